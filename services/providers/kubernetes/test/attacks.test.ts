import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { answering, type TestProvider } from '@mcp-fleet/sdk/testing';
import { stringify } from 'yaml';
import { shown } from '../src/shown.js';
import {
  adminOf,
  type Fixture,
  okOn,
  refusedOn,
  runNamespaces,
  startKubernetesProvider,
  statefulSetRevision,
  testKubeConfig,
  text,
} from './cluster.js';

const SECRET_VALUE = /hunter2|aHVudGVyMg/;
const ELICIT = { capabilities: { elicitation: {} } };
const accept = { ...ELICIT, onFrame: answering(() => ({ action: 'accept', content: { confirm: true } })) };

type PodSpec = Record<string, unknown>;
const container = (extra: Record<string, unknown> = {}) => ({ name: 'main', image: 'busybox', ...extra });
const podSpec = (extra: PodSpec = {}, main: Record<string, unknown> = {}): PodSpec => ({
  containers: [container(main)],
  ...extra,
});
const template = (app: string, spec: PodSpec) => ({ metadata: { labels: { app } }, spec });

/** A manifest of `kind` named `name` whose pods run `spec`: every kind that carries a pod spec. */
function workload(kind: string, name: string, spec: PodSpec): Record<string, unknown> {
  const selector = { matchLabels: { app: name } };
  const pods = template(name, spec);
  const job = { template: { ...pods, spec: { restartPolicy: 'Never', ...spec } } };
  const shapes: Record<string, [string, unknown]> = {
    Pod: ['v1', { spec }],
    PodTemplate: ['v1', { template: pods }],
    ReplicationController: ['v1', { spec: { selector: { app: name }, template: pods } }],
    Deployment: ['apps/v1', { spec: { selector, template: pods } }],
    ReplicaSet: ['apps/v1', { spec: { selector, template: pods } }],
    StatefulSet: ['apps/v1', { spec: { selector, serviceName: name, template: pods } }],
    DaemonSet: ['apps/v1', { spec: { selector, template: pods } }],
    Job: ['batch/v1', { spec: job }],
    CronJob: ['batch/v1', { spec: { schedule: '0 * * * *', jobTemplate: { spec: job } } }],
  };
  const [apiVersion, body] = shapes[kind] ?? [];
  assert.ok(apiVersion, `no fixture for ${kind}`);
  return { apiVersion, kind, metadata: { name }, ...(body as object) };
}

const WORKLOAD_KINDS = [
  'Pod',
  'PodTemplate',
  'ReplicationController',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
];

/** Every way a pod spec reaches a Secret, a credential or the node (whose disk holds every mounted Secret). */
const SECRET_FORMS: [string, PodSpec][] = [
  ['volume secret', podSpec({ volumes: [{ name: 's', secret: { secretName: 'db' } }] })],
  [
    'projected secret',
    podSpec({ volumes: [{ name: 's', projected: { sources: [{ secret: { name: 'db' } }] } }] }),
  ],
  ['envFrom secretRef', podSpec({}, { envFrom: [{ secretRef: { name: 'db' } }] })],
  [
    'env secretKeyRef',
    podSpec({}, { env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }),
  ],
  ['imagePullSecrets', podSpec({ imagePullSecrets: [{ name: 'db' }] })],
  ['another ServiceAccount', podSpec({ serviceAccountName: 'deployer' })],
  [
    'a token for another audience',
    podSpec({
      volumes: [
        {
          name: 't',
          projected: { sources: [{ serviceAccountToken: { path: 't', audience: 'vault' } }] },
        },
      ],
    }),
  ],
  [
    'a CSI volume (secrets-store driver)',
    podSpec({ volumes: [{ name: 'c', csi: { driver: 'secrets-store.csi.k8s.io' } }] }),
  ],
  ['hostPath', podSpec({ volumes: [{ name: 'h', hostPath: { path: '/var/lib/kubelet' } }] })],
  ['privileged', podSpec({}, { securityContext: { privileged: true } })],
  ['hostPID', podSpec({ hostPID: true })],
  ['an added capability', podSpec({}, { securityContext: { capabilities: { add: ['SYS_PTRACE'] } } })],
];

describe('kubernetes attacks: Secrets, pod specs and confirmation on every write path', () => {
  let kc: KubeConfig;
  let admin: ReturnType<typeof adminOf>;
  let A: string;
  let writer: TestProvider;
  let masker: TestProvider;
  let asker: TestProvider;
  let trusting: TestProvider;
  const providers: TestProvider[] = [];

  const start = async (options: Parameters<typeof startKubernetesProvider>[1]) => {
    const provider = await startKubernetesProvider(kc, options);
    providers.push(provider);
    return provider;
  };
  const created = async (path: string, body: unknown) => {
    const r = await admin('POST', path, body);
    assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const deployments = () => `/apis/apps/v1/namespaces/${A}/deployments`;
  const deployment = async (name: string) => (await admin('GET', `${deployments()}/${name}`)).body;
  const secret = async () => (await admin('GET', `/api/v1/namespaces/${A}/secrets/db`)).body;

  before(async () => {
    kc = testKubeConfig();
    admin = adminOf(kc);
    [A = ''] = (await runNamespaces(admin, 'attack')).names;
    // No controller-manager makes the namespace's default ServiceAccount; pods need one.
    for (const name of ['default', 'deployer'])
      await created(`/api/v1/namespaces/${A}/serviceaccounts`, { metadata: { name } });
    // Labels and annotations exist, so a JSON patch can add a key under them.
    await created(`/api/v1/namespaces/${A}/secrets`, {
      metadata: { name: 'db', labels: { app: 'db' }, annotations: { owner: 'team' } },
      stringData: { password: 'hunter2' },
    });
    // An application the operator deployed: it reads the Secret, as real ones do.
    await created(deployments(), {
      metadata: { name: 'app' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'app' } },
        template: template(
          'app',
          podSpec(
            {},
            { env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] },
          ),
        ),
      },
    });
    await created(deployments(), {
      metadata: { name: 'plain' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'plain' } },
        template: template('plain', podSpec()),
      },
    });
    await created(`/api/v1/namespaces/${A}/configmaps`, { metadata: { name: 'cfg' }, data: { a: '1' } });
    writer = await start({ namespaces: [A], write: true });
    masker = await start({ namespaces: [A], write: true, deniedKinds: [], writeKinds: ['secrets'] });
    asker = await start({ namespaces: [A], write: true, deniedKinds: [], confirm: 'destructive' });
    trusting = await start({ namespaces: [A], write: true, workloadSecrets: true });
  });
  after(async () => {
    for (const provider of providers) await provider.close();
  });

  describe('a. JSON patch reading a masked Secret value', () => {
    const onSecret = (patch: unknown[], dryRun: boolean) => ({
      kind: 'Secret',
      namespace: A,
      name: 'db',
      type: 'json',
      patch,
      dryRun,
    });

    it('copy or move of a Secret value into an annotation or label, dry run or not: refused, nothing echoed', async () => {
      for (const op of ['copy', 'move'])
        for (const path of ['/metadata/annotations/leak', '/metadata/labels/leak', '/type'])
          for (const dryRun of [true, false]) {
            const r = await refusedOn(
              masker,
              'patch',
              onSecret([{ op, from: '/data/password', path }], dryRun),
              new RegExp(`"${op}" is not allowed on a Secret`),
            );
            assert.doesNotMatch(JSON.stringify(r), SECRET_VALUE);
          }
      const after = await secret();
      assert.deepEqual((after.metadata as { annotations?: unknown }).annotations, { owner: 'team' });
      assert.deepEqual(after.data, { password: 'aHVudGVyMg==' }, 'the Secret is unchanged');
    });

    it('test op guessing a Secret value: refused alike whether the guess is right or wrong (no oracle)', async () => {
      const answers = [];
      for (const value of ['aHVudGVyMg==', 'd3Jvbmc='])
        answers.push(
          text(
            await refusedOn(
              masker,
              'patch',
              onSecret([{ op: 'test', path: '/data/password', value }], true),
              /"test" is not allowed on a Secret/,
            ),
          ),
        );
      assert.equal(answers[0], answers[1]);
    });

    it('add, replace and remove stay available on a Secret, and the answer is masked', async () => {
      const r = await okOn(
        masker,
        'patch',
        onSecret([{ op: 'add', path: '/data/extra', value: 'czNjcjN0' }], true),
      );
      assert.deepEqual((r.structuredContent?.object as { data: unknown }).data, {
        extra: '<masked>',
        password: '<masked>',
      });
    });

    it("a masked Secret's view keeps only the fields known to be safe", () => {
      const view = shown(
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'x', managedFields: [] },
          type: 'Opaque',
          data: { k: 'aHVudGVyMg==' },
          futureField: { copy: 'hunter2' },
        },
        true,
      );
      assert.deepEqual(view, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'x' },
        type: 'Opaque',
        data: { k: '<masked>' },
      });
    });
  });

  describe('b. a workload mounting a Secret, to read it through pod_logs', () => {
    it('apply is refused for every kind with a pod spec and every reference form, Secrets denied or masked', async () => {
      for (const on of [writer, masker])
        for (const kind of WORKLOAD_KINDS)
          for (const [form, spec] of SECRET_FORMS) {
            const name = `leak-${kind.toLowerCase()}`;
            const manifest = stringify(workload(kind, name, spec));
            const r = await refusedOn(
              on,
              'apply',
              { manifest, namespace: A },
              /not allowed|Secret|credential/,
            );
            assert.match(text(r), new RegExp(`${kind} ${name}`), `${kind} with ${form}: ${text(r)}`);
          }
      await refusedOn(writer, 'pod_logs', { namespace: A, name: 'leak-pod' }, /^404 /);
      assert.equal((await admin('GET', `${deployments()}/leak-deployment`)).status, 404);
    });

    it('the same kinds with a ConfigMap volume and env are admitted (dry run)', async () => {
      const spec = podSpec(
        { volumes: [{ name: 'c', configMap: { name: 'cfg' } }] },
        {
          envFrom: [{ configMapRef: { name: 'cfg' } }],
          volumeMounts: [{ name: 'c', mountPath: '/cfg' }],
          securityContext: { capabilities: { drop: ['ALL'] }, runAsNonRoot: true },
        },
      );
      for (const kind of WORKLOAD_KINDS)
        await okOn(writer, 'apply', {
          manifest: stringify(workload(kind, `fine-${kind.toLowerCase()}`, spec)),
          namespace: A,
          dryRun: true,
        });
    });

    it('patch adding a Secret to an existing workload (merge, strategic, JSON patch) is refused, nothing changes', async () => {
      const volume = { name: 's', secret: { secretName: 'db' } };
      const patches: [string, unknown][] = [
        ['merge', { spec: { template: { spec: { volumes: [volume] } } } }],
        [
          'strategic',
          {
            spec: {
              template: {
                spec: { containers: [{ name: 'main', envFrom: [{ secretRef: { name: 'db' } }] }] },
              },
            },
          },
        ],
        ['json', [{ op: 'add', path: '/spec/template/spec/volumes', value: [volume] }]],
      ];
      const before = await deployment('plain');
      for (const [type, patch] of patches)
        for (const dryRun of [true, false])
          await refusedOn(
            writer,
            'patch',
            { kind: 'Deployment', namespace: A, name: 'plain', type, patch, dryRun },
            /uses a Secret/,
          );
      assert.deepEqual((await deployment('plain')).spec, before.spec);
    });

    it('with MCPFLEET_K8S_WORKLOAD_SECRETS the operator admits Secrets in workloads', async () => {
      const [, spec] = SECRET_FORMS[0] ?? [];
      await okOn(trusting, 'apply', {
        manifest: stringify(workload('Deployment', 'trusted', spec ?? {})),
        namespace: A,
        dryRun: true,
      });
      await refusedOn(
        trusting,
        'apply',
        { manifest: stringify(workload('Deployment', 'host', SECRET_FORMS[8]?.[1] ?? {})), namespace: A },
        /hostPath is not allowed/,
      );
    });
  });

  describe('c. changing what runs in an existing workload instead of exec', () => {
    const strategic = (main: Record<string, unknown>, spec: PodSpec = {}) => ({
      spec: { template: { spec: { containers: [{ name: 'main', ...main }], ...spec } } },
    });

    it('command, args, image, an init container or a sidecar of a workload that reads a Secret: refused', async () => {
      const before = await deployment('app');
      const changes: unknown[] = [
        strategic({ command: ['sh', '-c', 'echo $PASSWORD'] }),
        strategic({ args: ['-c', 'echo $PASSWORD'] }),
        strategic({ image: 'attacker/printenv' }),
        strategic({}, { initContainers: [container({ name: 'leak', command: ['env'] })] }),
        { spec: { template: { spec: { containers: [container({ name: 'sidecar', command: ['env'] })] } } } },
        strategic({
          lifecycle: { postStart: { exec: { command: ['sh', '-c', 'env > /dev/termination-log'] } } },
        }),
      ];
      for (const patch of changes)
        await refusedOn(
          writer,
          'patch',
          { kind: 'deploy', namespace: A, name: 'app', type: 'strategic', patch },
          /Deployment app: .*uses a Secret/,
        );
      assert.deepEqual((await deployment('app')).spec, before.spec);
    });

    it('resources and a rollout restart of that workload stay possible: they change no code', async () => {
      await okOn(writer, 'patch', {
        kind: 'deploy',
        namespace: A,
        name: 'app',
        type: 'strategic',
        patch: strategic({ resources: { limits: { memory: '64Mi' } } }),
      });
      await okOn(writer, 'rollout', { namespace: A, name: 'app', action: 'restart' });
    });

    it('ephemeral containers cannot be added through patch, nor their subresource named', async () => {
      await created(`/api/v1/namespaces/${A}/pods`, { metadata: { name: 'target' }, spec: podSpec() });
      const add = [{ op: 'add', path: '/spec/ephemeralContainers', value: [container({ name: 'debug' })] }];
      const target = { kind: 'Pod', namespace: A, name: 'target', type: 'json', patch: add };
      // The API server keeps a pod's spec as created; the allow-list has no ephemeralContainers either.
      await refusedOn(
        writer,
        'patch',
        target,
        /ephemeralContainers is not allowed|^422 .*may not change fields/,
      );
      await refusedOn(writer, 'patch', { ...target, kind: 'pods/ephemeralcontainers' }, /unknown kind/);
      const pod = (await admin('GET', `/api/v1/namespaces/${A}/pods/target`)).body;
      assert.equal((pod.spec as { ephemeralContainers?: unknown }).ephemeralContainers, undefined);
    });

    it('the command of a workload without Secrets may change, and the user is asked first', async () => {
      const patch = strategic({ command: ['sleep', '3600'] });
      const args = { kind: 'deploy', namespace: A, name: 'plain', type: 'strategic', patch };
      await refusedOn(asker, 'patch', args, /cannot ask/);
      const asked: string[] = [];
      await okOn(asker, 'patch', args, {
        ...ELICIT,
        onFrame: answering((_method, params) => {
          asked.push(String(params.message));
          return { action: 'accept', content: { confirm: true } };
        }),
      });
      assert.deepEqual(asked, [
        `Allow the Kubernetes provider to change the pods of Deployment plain in ${A} (every pod is replaced)?`,
      ]);
      const spec = (await deployment('plain')).spec as {
        template: { spec: { containers: { command: string[] }[] } };
      };
      assert.deepEqual(spec.template.spec.containers[0]?.command, ['sleep', '3600']);
    });
  });

  describe('confirmation on every destructive path', () => {
    it('scale to 0 asks, through scale, patch or apply; other scales do not', async () => {
      const plain = { kind: 'Deployment', namespace: A, name: 'plain' };
      await refusedOn(
        asker,
        'scale',
        { ...plain, replicas: 0 },
        /scale Deployment plain in .* to 0 replicas.*cannot ask/,
      );
      await refusedOn(
        asker,
        'patch',
        { ...plain, patch: { spec: { replicas: 0 } } },
        /to 0 replicas.*cannot ask/,
      );
      const manifest = stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'plain' },
        spec: { replicas: 0 },
      });
      await refusedOn(asker, 'apply', { manifest, namespace: A, force: true }, /to 0 replicas.*cannot ask/);
      assert.equal(((await deployment('plain')).spec as { replicas: number }).replicas, 1);
      await okOn(asker, 'scale', { ...plain, replicas: 3 });
      await okOn(asker, 'scale', { ...plain, replicas: 0 }, accept);
      assert.equal(((await deployment('plain')).spec as { replicas: number }).replicas, 0);
    });

    it('a Job given a TTL or a deadline (the TTL controller deletes it, its pods stop) asks like delete', async () => {
      await created(`/apis/batch/v1/namespaces/${A}/jobs`, workload('Job', 'batch', podSpec()));
      const job = { kind: 'Job', namespace: A, name: 'batch' };
      for (const [field, says] of [
        ['ttlSecondsAfterFinished', /change spec\.ttlSecondsAfterFinished of Job batch/],
        ['activeDeadlineSeconds', /change spec\.activeDeadlineSeconds of Job batch in /],
        ['suspend', /change spec\.suspend of Job batch/],
      ] as const)
        await refusedOn(
          asker,
          'patch',
          { ...job, patch: { spec: { [field]: field === 'suspend' ? true : 1 } } },
          new RegExp(`${says.source}.*cannot ask`),
        );
      await okOn(asker, 'patch', { ...job, patch: { metadata: { labels: { checked: 'yes' } } } });
    });

    it('a patch that replaces every pod (a rollout restart by hand) asks like rollout restart', async () => {
      const patch = {
        spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } } } },
      };
      await refusedOn(asker, 'patch', { kind: 'deploy', namespace: A, name: 'app', patch }, /cannot ask/);
      await okOn(asker, 'patch', { kind: 'deploy', namespace: A, name: 'app', patch, dryRun: true });
    });

    it('ownerReferences naming a missing owner (a garbage-collector delete) and finalizer changes are refused', async () => {
      const ghost = [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '0b7e1c3a-1111-2222-3333-444455556666' },
      ];
      const cfg = { kind: 'ConfigMap', namespace: A, name: 'cfg' };
      await refusedOn(
        writer,
        'patch',
        { ...cfg, patch: { metadata: { ownerReferences: ghost } } },
        /ownerReferences/,
      );
      await refusedOn(
        writer,
        'patch',
        { ...cfg, type: 'json', patch: [{ op: 'add', path: '/metadata/finalizers', value: ['x.io/hold'] }] },
        /finalizers/,
      );
      const manifest = stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'orphan', ownerReferences: ghost },
      });
      await refusedOn(writer, 'apply', { manifest, namespace: A }, /ownerReferences/);
      const existing = stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cfg', ownerReferences: ghost },
      });
      await refusedOn(writer, 'apply', { manifest: existing, namespace: A }, /ownerReferences/);
      assert.equal((await admin('GET', `/api/v1/namespaces/${A}/configmaps/orphan`)).status, 404);
      const cm = (await admin('GET', `/api/v1/namespaces/${A}/configmaps/cfg`)).body;
      assert.equal(
        (cm.metadata as Fixture['metadata'] & { ownerReferences?: unknown }).ownerReferences,
        undefined,
      );
    });

    it('a strategic "$patch: delete" of the whole object deletes nothing', async () => {
      await refusedOn(
        writer,
        'patch',
        { kind: 'ConfigMap', namespace: A, name: 'cfg', type: 'strategic', patch: { $patch: 'delete' } },
        /^400 /,
      );
      assert.equal((await admin('GET', `/api/v1/namespaces/${A}/configmaps/cfg`)).status, 200);
    });

    it('rollout undo to a revision that sets ownerReferences or reads a Secret is refused', async () => {
      const sts = await created(`/apis/apps/v1/namespaces/${A}/statefulsets`, {
        metadata: { name: 'store' },
        spec: {
          replicas: 1,
          serviceName: 'store',
          selector: { matchLabels: { app: 'store' } },
          template: template('store', podSpec({ volumes: [{ name: 's', secret: { secretName: 'db' } }] })),
        },
      });
      // History as a controller would adopt it: owned by the StatefulSet, the data a patch.
      const revision = (n: number, data: unknown) =>
        created(`/apis/apps/v1/namespaces/${A}/controllerrevisions`, statefulSetRevision(sts, n, data));
      await revision(1, {
        metadata: {
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'ghost',
              uid: 'deadbeef-0000-0000-0000-000000000000',
            },
          ],
        },
      });
      await revision(2, {
        spec: { template: { spec: { containers: [{ name: 'main', command: ['cat', '/s/password'] }] } } },
      });
      await revision(3, { spec: { template: template('store', podSpec()) } });
      const undo = { kind: 'sts', namespace: A, name: 'store', action: 'undo' };
      await refusedOn(writer, 'rollout', { ...undo, toRevision: 1 }, /ownerReferences/);
      await refusedOn(writer, 'rollout', { ...undo, toRevision: 2 }, /uses a Secret/);
    });
  });
});
