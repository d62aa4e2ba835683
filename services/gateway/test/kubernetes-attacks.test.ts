import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { clustersOf, kubernetesTools } from '@mcp-fleet/provider-kubernetes';
import { anonymousGet } from '@mcp-fleet/provider-kubernetes/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import { type Fleet, startFleet } from './support.js';

const SECRET_VALUE = /hunter2|aHVudGVyMg/;

/** The admin kubeconfig of the test control plane: fixtures are written with it, not through the fleet. */
function adminConfig(): KubeConfig {
  const file = process.env.KUBECONFIG;
  assert.ok(file, 'KUBECONFIG must point at the test API server (scripts/kube-env.sh up)');
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

type Result = { content: { type: string; text?: string }[]; isError?: boolean; structuredContent?: unknown };
const textOf = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');

describe('kubernetes attacks through the gateway (real kube-apiserver, official SDK client)', () => {
  let fleet: Fleet;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let namespace: string;
  const clients: Client[] = [];
  /** What the user answers when the provider asks, and every question asked. */
  let answer: 'accept' | 'decline' = 'decline';
  const asked: string[] = [];

  const connect = async (elicitation: boolean) => {
    const client = new Client(
      { name: 'kubernetes-attacks', version: '1' },
      { capabilities: elicitation ? { elicitation: {} } : {} },
    );
    if (elicitation)
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params.message);
        return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
      });
    await client.connect(new StreamableHTTPClientTransport(new URL(fleet.url)));
    clients.push(client);
    return client;
  };
  let user: Client;
  const call = async (name: string, args: Record<string, unknown>) =>
    (await user.callTool({ name: `kubernetes_${name}`, arguments: args })) as Result;
  const refused = async (name: string, args: Record<string, unknown>, reason: RegExp) => {
    const r = await call(name, args);
    assert.equal(r.isError, true, `${name} should be refused: ${textOf(r)}`);
    assert.match(textOf(r), reason);
    assert.doesNotMatch(JSON.stringify(r), SECRET_VALUE);
    return r;
  };
  const replicasOf = async (name: string) =>
    (await apps.readNamespacedDeployment({ name, namespace })).spec?.replicas;
  const specOf = async (name: string) =>
    (await apps.readNamespacedDeployment({ name, namespace })).spec?.template.spec;
  const deploymentNamed = (name: string, spec: V1PodSpec) => ({
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec },
    },
  });

  /** The Secret as someone without credentials reads it: the API server's status and body. */
  const anonymousSecret = (server: string) =>
    anonymousGet(server, `/api/v1/namespaces/${namespace}/secrets/db`);
  let server: string;

  before(async () => {
    const kc = adminConfig();
    server = kc.getCurrentCluster()?.server ?? '';
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    namespace = `gw-attack-${Math.random().toString(36).slice(2, 8)}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'db', annotations: { owner: 'team' } }, stringData: { password: 'hunter2' } },
    });
    await apps.createNamespacedDeployment({
      namespace,
      body: deploymentNamed('app', {
        containers: [
          {
            name: 'main',
            image: 'app:1',
            env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
          },
        ],
      }),
    });
    await apps.createNamespacedDeployment({
      namespace,
      body: deploymentNamed('plain', { containers: [{ name: 'main', image: 'plain:1' }] }),
    });
    // As an operator would run it: writes on, Secrets served masked, destructive writes confirmed.
    const definitions = kubernetesTools({
      clusters: clustersOf(kc, [], 10_000),
      policy: { namespaces: [namespace], deniedKinds: [], clusterScoped: 'none', workloadSecrets: false },
      write: true,
      confirm: 'destructive',
    });
    fleet = await startFleet([{ name: 'kubernetes', definitions }]);
    user = await connect(true);
  });
  after(async () => {
    for (const client of clients) await client.close();
    await fleet?.close();
    await core?.deleteNamespace({ name: namespace });
  });

  it('a JSON patch copying a masked Secret value into an annotation, dry run, is refused and echoes nothing', async () => {
    for (const op of ['copy', 'move', 'test'])
      await refused(
        'patch',
        {
          kind: 'Secret',
          namespace,
          name: 'db',
          type: 'json',
          patch: [{ op, from: '/data/password', path: '/metadata/annotations/leak', value: 'aHVudGVyMg==' }],
          dryRun: true,
        },
        new RegExp(`"${op}" is not allowed on a Secret`),
      );
    const secret = await core.readNamespacedSecret({ name: 'db', namespace });
    assert.deepEqual(secret.metadata?.annotations, { owner: 'team' });
  });

  it('applying a Deployment that mounts a Secret, to read it through pod_logs, is refused and creates nothing', async () => {
    const leak = deploymentNamed('leak', {
      containers: [
        {
          name: 'main',
          image: 'busybox',
          command: ['cat', '/s/password'],
          volumeMounts: [{ name: 's', mountPath: '/s' }],
        },
      ],
      volumes: [{ name: 's', secret: { secretName: 'db' } }],
    });
    await refused(
      'apply',
      { manifest: stringify({ apiVersion: 'apps/v1', kind: 'Deployment', ...leak }), namespace },
      /Deployment leak: spec\.template\.spec\.volumes\[0\]\.secret uses a Secret/,
    );
    await assert.rejects(apps.readNamespacedDeployment({ name: 'leak', namespace }), /404|not found/i);
  });

  it('patching the command of a workload that reads a Secret (exec by other means) is refused', async () => {
    const before = await specOf('app');
    await refused(
      'patch',
      {
        kind: 'deploy',
        namespace,
        name: 'app',
        type: 'strategic',
        patch: {
          spec: {
            template: { spec: { containers: [{ name: 'main', command: ['sh', '-c', 'echo $PASSWORD'] }] } },
          },
        },
      },
      /Deployment app: .*secretKeyRef uses a Secret/,
    );
    assert.deepEqual(await specOf('app'), before);
  });

  it('a scale to 0 and a pod-replacing patch ask the user; a decline changes nothing, an accept goes ahead', async () => {
    asked.length = 0;
    answer = 'decline';
    await refused('scale', { namespace, name: 'plain', replicas: 0 }, /did not confirm/);
    await refused(
      'patch',
      { kind: 'deploy', namespace, name: 'plain', patch: { spec: { replicas: 0 } } },
      /did not confirm/,
    );
    const restart = {
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } } } },
    };
    await refused('patch', { kind: 'deploy', namespace, name: 'plain', patch: restart }, /did not confirm/);
    assert.equal(await replicasOf('plain'), 1);
    assert.deepEqual(asked, [
      `Allow the Kubernetes provider to scale Deployment plain in ${namespace} to 0 replicas?`,
      `Allow the Kubernetes provider to scale Deployment plain in ${namespace} to 0 replicas?`,
      `Allow the Kubernetes provider to change the pods of Deployment plain in ${namespace} (every pod is replaced)?`,
    ]);
    answer = 'accept';
    const scaled = await call('scale', { namespace, name: 'plain', replicas: 0 });
    assert.equal(scaled.isError, undefined, textOf(scaled));
    assert.equal(await replicasOf('plain'), 0);
    const silent = await connect(false);
    const r = (await silent.callTool({
      name: 'kubernetes_patch',
      arguments: { kind: 'deploy', namespace, name: 'plain', patch: restart },
    })) as Result;
    assert.equal(r.isError, true);
    assert.match(textOf(r), /cannot ask/);
  });

  it('ownerReferences naming a missing owner (a garbage-collector delete without asking) are refused', async () => {
    await refused(
      'patch',
      {
        kind: 'Deployment',
        namespace,
        name: 'plain',
        patch: {
          metadata: {
            ownerReferences: [
              {
                apiVersion: 'v1',
                kind: 'ConfigMap',
                name: 'ghost',
                uid: '0b7e1c3a-1111-2222-3333-444455556666',
              },
            ],
          },
        },
      },
      /metadata\.ownerReferences cannot be changed/,
    );
    const plain = await apps.readNamespacedDeployment({ name: 'plain', namespace });
    assert.equal(plain.metadata?.ownerReferences, undefined);
  });

  it('a Role reading Secrets bound to system:unauthenticated (an anonymous read of a masked Secret) is refused and grants nothing', async () => {
    const rbac = 'rbac.authorization.k8s.io';
    const manifest = [
      {
        apiVersion: `${rbac}/v1`,
        kind: 'Role',
        metadata: { name: 'open' },
        rules: [{ apiGroups: [''], resources: ['secrets', 'pods/exec'], verbs: ['get', 'create'] }],
      },
      {
        apiVersion: `${rbac}/v1`,
        kind: 'RoleBinding',
        metadata: { name: 'open' },
        roleRef: { apiGroup: rbac, kind: 'Role', name: 'open' },
        subjects: ['system:unauthenticated', 'system:authenticated'].map((name) => ({
          kind: 'Group',
          name,
          apiGroup: rbac,
        })),
      },
    ]
      .map((o) => stringify(o))
      .join('---\n');
    await refused(
      'apply',
      { manifest, namespace },
      /Role \(roles\.rbac\.authorization\.k8s\.io\) is not writable/,
    );
    await refused(
      'apply',
      {
        manifest: stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } }),
        namespace,
      },
      /ServiceAccount \(serviceaccounts\) is not writable/,
    );
    assert.doesNotMatch(await anonymousSecret(server), SECRET_VALUE);
    const rbacApi = adminConfig().makeApiClient(RbacAuthorizationV1Api);
    await assert.rejects(rbacApi.readNamespacedRoleBinding({ name: 'open', namespace }), /404|not found/i);
  });

  it('Job parallelism 0 and a StatefulSet PVC retention Delete then a scale down ask the user, naming the fields', async () => {
    const jobs = adminConfig().makeApiClient(BatchV1Api);
    const template = {
      metadata: { labels: { app: 'batch' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
    };
    await jobs.createNamespacedJob({
      namespace,
      body: { metadata: { name: 'batch' }, spec: { parallelism: 3, completions: 10, template } },
    });
    await apps.createNamespacedStatefulSet({
      namespace,
      body: {
        metadata: { name: 'db' },
        spec: {
          replicas: 3,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: { containers: [{ name: 'c', image: 'db:1' }] },
          },
        },
      },
    });
    asked.length = 0;
    answer = 'decline';
    await refused(
      'patch',
      { kind: 'Job', namespace, name: 'batch', patch: { spec: { parallelism: 0 } } },
      /did not confirm/,
    );
    const retention = {
      persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' },
    };
    await refused(
      'patch',
      { kind: 'sts', namespace, name: 'db', patch: { spec: retention } },
      /did not confirm/,
    );
    await refused('scale', { kind: 'StatefulSet', namespace, name: 'db', replicas: 1 }, /did not confirm/);
    assert.deepEqual(asked, [
      `Allow the Kubernetes provider to change spec.parallelism of Job batch in ${namespace}?`,
      `Allow the Kubernetes provider to change spec.persistentVolumeClaimRetentionPolicy.whenDeleted, spec.persistentVolumeClaimRetentionPolicy.whenScaled of StatefulSet db in ${namespace}?`,
      `Allow the Kubernetes provider to scale StatefulSet db in ${namespace} down from 3 to 1 replicas?`,
    ]);
    assert.equal((await jobs.readNamespacedJob({ name: 'batch', namespace })).spec?.parallelism, 3);
    const db = await apps.readNamespacedStatefulSet({ name: 'db', namespace });
    assert.deepEqual(
      [db.spec?.replicas, db.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled],
      [3, 'Retain'],
    );
  });
});
