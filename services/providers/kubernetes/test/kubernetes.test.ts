import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { runCall, type TestProvider, toolCall } from '@mcp-fleet/sdk/testing';
import {
  adminOf,
  callOn,
  refusedOn,
  runNamespaces,
  startKubernetesProvider,
  testKubeConfig,
  text,
} from './cluster.js';

describe('kubernetes provider against a real kube-apiserver', () => {
  let server: TestProvider;
  let writer: TestProvider;
  let masker: TestProvider;
  let kc: KubeConfig;
  let admin: ReturnType<typeof adminOf>;
  let A: string;
  let B: string;

  before(async () => {
    kc = testKubeConfig();
    admin = adminOf(kc);
    [A = '', B = ''] = (await runNamespaces(admin, 'team-a', 'team-b')).names;
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx' }] },
        },
      },
    };
    for (const ns of [A, B]) {
      await admin('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment);
      await admin('POST', `/api/v1/namespaces/${ns}/secrets`, {
        metadata: { name: 'db' },
        stringData: { password: 'hunter2' },
      });
      await admin('POST', `/api/v1/namespaces/${ns}/configmaps`, {
        metadata: { name: 'settings' },
        data: { a: '1' },
      });
    }
    server = await startKubernetesProvider(kc, { namespaces: [A] });
    masker = await startKubernetesProvider(kc, {
      namespaces: [A],
      deniedKinds: [],
      write: true,
      writeKinds: ['secrets'],
    });
    writer = await startKubernetesProvider(kc, { namespaces: [A], write: true });
  });
  after(async () => {
    await server?.close();
    await writer?.close();
    await masker?.close();
  });

  const call = (tool: string, args: Record<string, unknown>) => callOn(server, tool, args);
  const write = (tool: string, args: Record<string, unknown>) => callOn(writer, tool, args);
  const refused = (tool: string, args: Record<string, unknown>, reason: RegExp, on = server) =>
    refusedOn(on, tool, args, reason);

  it('lists the kubeconfig contexts without users or credentials', async () => {
    const r = await call('contexts_list', {});
    assert.deepEqual(r.structuredContent?.contexts, [
      {
        name: 'fleet-test',
        cluster: 'fleet-test',
        server: kc.getCurrentCluster()?.server,
        namespace: 'default',
        default: true,
      },
    ]);
    const token = kc.getCurrentUser()?.token;
    assert.ok(token);
    assert.ok(!text(r).includes(token) && !text(r).includes('fleet-admin'));
  });

  it('lists allowed namespaces and namespaced resource types without Secrets', async () => {
    assert.deepEqual((await call('namespaces_list', {})).structuredContent?.namespaces, [
      { name: A, exists: true },
    ]);
    const kinds = ((await call('api_resources', {})).structuredContent?.resources as { kind: string }[]).map(
      (r) => r.kind,
    );
    assert.ok(kinds.includes('Deployment') && kinds.includes('ConfigMap'));
    assert.ok(!kinds.includes('Secret'));
  });

  it('gets objects by name and by selector, in JSON or YAML, every kind spelling', async () => {
    for (const kind of ['Deployment', 'deployments', 'deploy', 'deployments.apps', 'apps/v1/Deployment']) {
      const r = await call('get', { kind, namespace: A, name: 'web' });
      assert.equal(r.isError, undefined, text(r));
      assert.equal((r.structuredContent?.spec as { replicas: number }).replicas, 2);
      assert.equal((r.structuredContent?.metadata as Record<string, unknown>).managedFields, undefined);
    }
    const list = await call('get', {
      kind: 'configmaps',
      namespace: A,
      fieldSelector: 'metadata.name=settings',
    });
    assert.deepEqual(
      (list.structuredContent?.items as { metadata: { name: string } }[]).map((i) => i.metadata.name),
      ['settings'],
    );
    const yaml = await call('get', {
      kind: 'Deployment',
      namespace: A,
      labelSelector: 'app=web',
      output: 'yaml',
    });
    assert.match(text(yaml), /^kind: Deployment$/m);
    await refused('get', { kind: 'Deployment', namespace: A, name: 'nope' }, /404/);
  });

  it('refuses Secrets under every spelling', async () => {
    for (const kind of ['Secret', 'secret', 'secrets', 'v1/Secret', 'secrets.v1.', 'SECRETS'])
      await refused('get', { kind, namespace: A, name: 'db' }, /denied/);
    await refused('get', { kind: 'Secret', namespace: A }, /denied/);
  });

  it('refuses namespaces outside the allow-list and option look-alikes as plain invalid values', async () => {
    await refused('get', { kind: 'ConfigMap', namespace: B, name: 'settings' }, /not in the allow-list/);
    await refused('get', { kind: 'ConfigMap', namespace: 'kube-system' }, /not in the allow-list/);
    await refused('get', { kind: 'ConfigMap', namespace: '--all-namespaces' }, /invalid namespace/);
    await refused(
      'get',
      { kind: 'ConfigMap', namespace: A, name: '--server=https://evil' },
      /invalid object name/,
    );
    await refused(
      'get',
      { kind: 'ConfigMap', namespace: A, name: '../../secrets/db' },
      /invalid object name/,
    );
    await refused('get', { kind: '--as=system:admin', namespace: A }, /unknown kind/);
    await refused('get', { kind: 'Namespace', namespace: A }, /cluster-scoped/);
    await refused('events', { namespace: B }, /not in the allow-list/);
  });

  it('events of a namespace, optionally about one object', async () => {
    await admin('POST', `/api/v1/namespaces/${A}/events`, {
      metadata: { name: 'web.1' },
      involvedObject: { kind: 'Deployment', name: 'web', namespace: A },
      reason: 'Tested',
      message: 'an event for the test',
      type: 'Normal',
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
    });
    const r = await call('events', { namespace: A, kind: 'deploy', name: 'web' });
    assert.deepEqual(
      (r.structuredContent?.events as { reason: string }[]).map((e) => e.reason),
      ['Tested'],
    );
  });

  it('describes an object with its events and its owner chain, naming a denied owner without reading it', async () => {
    const web = (await admin('GET', `/apis/apps/v1/namespaces/${A}/deployments/web`)).body;
    const secret = (await admin('GET', `/api/v1/namespaces/${A}/secrets/db`)).body;
    const owned = (name: string, ref: Record<string, unknown>) =>
      admin('POST', `/api/v1/namespaces/${A}/configmaps`, {
        metadata: { name, ownerReferences: [{ ...ref, controller: true }] },
      });
    const webConfig = await owned('web-config', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      uid: web.metadata?.uid,
    });
    await owned('db-config', { apiVersion: 'v1', kind: 'Secret', name: 'db', uid: secret.metadata?.uid });
    await admin('POST', `/api/v1/namespaces/${A}/events`, {
      metadata: { name: 'web-config.1' },
      involvedObject: {
        kind: 'ConfigMap',
        name: 'web-config',
        namespace: A,
        uid: webConfig.body.metadata?.uid,
      },
      reason: 'Described',
      message: 'about web-config',
      type: 'Normal',
      lastTimestamp: new Date().toISOString(),
    });

    const r = await call('describe', { kind: 'cm', namespace: A, name: 'web-config' });
    assert.equal(r.isError, undefined, text(r));
    assert.deepEqual(r.structuredContent?.owners, [
      { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
    ]);
    const denied = await call('describe', { kind: 'ConfigMap', namespace: A, name: 'db-config' });
    assert.deepEqual(
      (denied.structuredContent?.owners as { kind: string; note?: string }[]).map((o) => [o.kind, o.note]),
      [['Secret', 'Secret (secrets) is denied']],
    );
    assert.doesNotMatch(text(denied), /hunter2|aHVudGVyMg/);
  });

  const configMapNames = async () =>
    (
      (await call('get', { kind: 'ConfigMap', namespace: A })).structuredContent?.items as {
        metadata: { name: string };
      }[]
    ).map((i) => i.metadata.name);

  it('read-only by default: the write tools do not exist', async () => {
    for (const tool of ['apply', 'scale', 'delete']) {
      const outcome = await runCall(server.client, toolCall(tool, { namespace: A }));
      assert.deepEqual(
        outcome.frames.map((f) => f.frame),
        ['error'],
        `${tool} must not exist on a read-only provider`,
      );
      assert.match(JSON.stringify(outcome.frames), new RegExp(`${tool}`));
    }
  });

  it('scales through the scale subresource, dry-run changing nothing', async () => {
    const replicas = async () =>
      (
        (await call('get', { kind: 'deploy', namespace: A, name: 'web' })).structuredContent?.spec as {
          replicas: number;
        }
      ).replicas;
    assert.equal(
      (await write('scale', { kind: 'deploy', namespace: A, name: 'web', replicas: 7, dryRun: true }))
        .isError,
      undefined,
    );
    assert.equal(await replicas(), 2);
    const r = await write('scale', { kind: 'Deployment', namespace: A, name: 'web', replicas: 3 });
    assert.equal(r.structuredContent?.replicas, 3, text(r));
    assert.equal(await replicas(), 3);
    await refused('scale', { kind: 'deploy', namespace: B, name: 'web', replicas: 0 }, /allow-list/, writer);
  });

  it('server-side applies a multi-document manifest; dry-run creates nothing', async () => {
    const manifest = ['a', 'b']
      .map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied-${n}\ndata:\n  k: "${n}"\n`)
      .join('---\n');
    const dry = await write('apply', { manifest, namespace: A, dryRun: true });
    assert.equal(dry.isError, undefined, text(dry));
    assert.ok(!(await configMapNames()).includes('applied-a'));
    const r = await write('apply', { manifest, namespace: A });
    assert.deepEqual(
      (r.structuredContent?.applied as { name: string }[]).map((o) => o.name),
      ['applied-a', 'applied-b'],
    );
    assert.ok((await configMapNames()).includes('applied-b'));
  });

  it('refuses a manifest as a whole when any object is denied, cluster-scoped, elsewhere or malformed', async () => {
    const good = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: smuggler\n';
    const cases: [string, RegExp][] = [
      [
        `${good}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  p: hunter2\n`,
        /denied/,
      ],
      [
        `apiVersion: v1\nkind: List\nitems:\n- ${good.replaceAll('\n', '\n  ').trim()}\n- apiVersion: v1\n  kind: secret\n  metadata:\n    name: s\n`,
        /denied/,
      ],
      [
        `${good}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: root\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects: []\n`,
        /cluster-scoped/,
      ],
      [
        `${good}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: ${B}\n`,
        new RegExp(`names namespace ${B}`),
      ],
      [
        `${good}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: --server=https://evil\n`,
        /invalid object name/,
      ],
      [`${good}---\nkind: ConfigMap\nmetadata:\n  name: x\n`, /lacks apiVersion/],
    ];
    for (const [manifest, reason] of cases)
      await refused('apply', { manifest, namespace: A }, reason, writer);
    // Billion laughs: nine levels of nine aliases would expand to 10^9 strings.
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    await refused('apply', { manifest: laughs.join('\n'), namespace: A }, /invalid YAML|alias/i, writer);
    assert.ok(!(await configMapNames()).includes('smuggler'), 'nothing of a refused manifest was applied');
  });

  it('deletes, with a dry-run that keeps the object', async () => {
    const dry = await write('delete', { kind: 'cm', namespace: A, name: 'applied-a', dryRun: true });
    assert.equal(dry.structuredContent?.deleted, false, text(dry));
    assert.ok((await configMapNames()).includes('applied-a'));
    const r = await write('delete', { kind: 'cm', namespace: A, name: 'applied-a' });
    assert.equal(r.structuredContent?.deleted, true, text(r));
    assert.ok(!(await configMapNames()).includes('applied-a'));
    await refused('delete', { kind: 'secret', namespace: A, name: 'db' }, /denied/, writer);
  });

  it('rollout status follows what the Deployment controller reports', async () => {
    const path = `/apis/apps/v1/namespaces/${A}/deployments`;
    const web = (await admin('GET', `${path}/web`)).body;
    await admin('POST', path, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'roll' },
      spec: web.spec,
    });
    const state = async () =>
      (await call('rollout_status', { namespace: A, name: 'roll' })).structuredContent;
    assert.equal((await state())?.message, 'waiting for the controller to observe the new spec');
    // No controller-manager runs here: the test writes the status a controller would.
    const report = async (status: Record<string, number>) => {
      const roll = (await admin('GET', `${path}/roll`)).body;
      const written = await admin('PUT', `${path}/roll/status`, {
        ...roll,
        status: { observedGeneration: roll.metadata?.generation, ...status },
      });
      assert.equal(written.status, 200, JSON.stringify(written.body));
    };
    const replicas = (web.spec as { replicas: number }).replicas;
    await report({
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas - 1,
      availableReplicas: replicas - 1,
    });
    assert.equal((await state())?.message, `${replicas - 1} of ${replicas} updated replicas available`);
    await report({
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    });
    assert.deepEqual(await state(), {
      kind: 'Deployment',
      name: 'roll',
      done: true,
      failed: false,
      message: 'rollout complete',
    });
    await refused('rollout_status', { namespace: B, name: 'web' }, /allow-list/);
  });

  it("pod logs: an unscheduled pod gets the API server's error, option-like names are refused", async () => {
    await admin('POST', `/api/v1/namespaces/${A}/pods`, {
      metadata: { name: 'lonely' },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
    });
    await refused('pod_logs', { namespace: A, name: 'lonely' }, /^4\d\d /);
    await refused('pod_logs', { namespace: A, name: 'lonely', container: '--follow' }, /invalid container/);
    await refused('pod_logs', { namespace: A, name: '../secrets/db' }, /invalid object name/);
  });

  it('with Secrets allowed, every output path masks their values and keeps their keys', async () => {
    const secretValue = /hunter2|aHVudGVyMg|s3cr3t|czNjcjN0/;
    const manifest = [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: applied-secret',
      '  annotations:',
      `    kubectl.kubernetes.io/last-applied-configuration: '{"stringData":{"token":"s3cr3t"}}'`,
      'stringData:',
      '  token: s3cr3t',
    ].join('\n');
    const applied = await callOn(masker, 'apply', { manifest, namespace: A });
    assert.equal(applied.isError, undefined, text(applied));
    const outputs = [
      applied,
      await callOn(masker, 'get', { kind: 'secret', namespace: A, name: 'db' }),
      await callOn(masker, 'get', { kind: 'secrets', namespace: A, name: 'applied-secret' }),
      await callOn(masker, 'get', { kind: 'Secret', namespace: A }),
      await callOn(masker, 'get', { kind: 'Secret', namespace: A, output: 'yaml' }),
      await callOn(masker, 'describe', { kind: 'v1/Secret', namespace: A, name: 'applied-secret' }),
    ];
    for (const output of outputs) {
      assert.equal(output.isError, undefined, text(output));
      assert.doesNotMatch(JSON.stringify(output), secretValue);
    }
    const db = outputs[1]?.structuredContent as { data: Record<string, string> };
    assert.deepEqual(db.data, { password: '<masked>' });
    const described = outputs[5]?.structuredContent as {
      object: { data: Record<string, string>; metadata: { annotations: Record<string, string> } };
    };
    assert.deepEqual(described.object.data, { token: '<masked>' });
    // The API server's own refusal quotes the offending value: for a Secret it is withheld.
    const invalid = manifest.replace('  annotations:', '  labels:\n    token: "s3cr3t!"\n  annotations:');
    await refusedOn(masker, 'apply', { manifest: invalid, namespace: A }, /^422 .*withheld/);
    const patched = await refusedOn(
      masker,
      'patch',
      { kind: 'Secret', namespace: A, name: 'db', patch: { metadata: { labels: { token: 's3cr3t!' } } } },
      /withheld/,
    );
    assert.doesNotMatch(JSON.stringify(patched), secretValue);
    assert.equal(
      described.object.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'],
      '<masked>',
    );
  });

  it("explains a kind or a field from the API server's own OpenAPI schema", async () => {
    const replicas = await call('explain', { kind: 'deploy', field: 'spec.replicas' });
    assert.equal(replicas.isError, undefined, text(replicas));
    assert.equal(replicas.structuredContent?.type, 'integer');
    assert.match(String(replicas.structuredContent?.description), /desired pods/);
    const containers = await call('explain', { kind: 'Deployment', field: 'spec.template.spec.containers' });
    assert.equal(containers.structuredContent?.type, '[]object');
    const image = (containers.structuredContent?.fields as { name: string; required: boolean }[]).find(
      (f) => f.name === 'name',
    );
    assert.deepEqual(image?.required, true);
    const configMap = await call('explain', { kind: 'ConfigMap' });
    assert.ok((configMap.structuredContent?.fields as { name: string }[]).some((f) => f.name === 'data'));
    await refused('explain', { kind: 'Deployment', field: 'spec.nope' }, /has no field spec\.nope/);
    await refused('explain', { kind: 'Secret' }, /denied/);
  });
});
