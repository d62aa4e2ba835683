import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { answering, type TestProvider } from '@mcp-fleet/sdk/testing';
import { clustersOf } from '../src/provider.js';
import {
  adminOf,
  callOn,
  type Fixture,
  okOn,
  refusedOn,
  runNamespaces,
  startKubernetesProvider,
  statefulSetRevision,
  testKubeConfig,
} from './cluster.js';

const template = (app: string, image: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: 'main', image }] },
});
const selector = (app: string) => ({ matchLabels: { app } });

describe('kubernetes provider: writes, rollouts, confirmation, metrics, contexts, cluster scope', () => {
  let kc: KubeConfig;
  let admin: ReturnType<typeof adminOf>;
  let A: string;
  let B: string;
  let run: string;
  let reader: TestProvider;
  let writer: TestProvider;
  let confirmer: TestProvider;
  let clusterReader: TestProvider;
  let clusterWriter: TestProvider;
  const providers: TestProvider[] = [];

  const created = async (path: string, body: unknown) => {
    const r = await admin('POST', path, body);
    assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const apps = (ns: string, resource: string) => `/apis/apps/v1/namespaces/${ns}/${resource}`;
  const start = async (options: Parameters<typeof startKubernetesProvider>[1]) => {
    const provider = await startKubernetesProvider(kc, options);
    providers.push(provider);
    return provider;
  };

  before(async () => {
    kc = testKubeConfig();
    admin = adminOf(kc);
    ({
      run,
      names: [A = '', B = ''],
    } = await runNamespaces(admin, 'work-a', 'work-b'));
    for (const ns of [A, B])
      await created(apps(ns, 'deployments'), {
        metadata: { name: 'web' },
        spec: { replicas: 1, selector: selector('web'), template: template('web', 'web:1') },
      });
    await created(`/api/v1/namespaces/${A}/configmaps`, { metadata: { name: 'cfg' }, data: { a: '1' } });
    reader = await start({ namespaces: [A] });
    writer = await start({ namespaces: [A], write: true, clusterScoped: 'read' });
    confirmer = await start({ namespaces: [A], write: true, confirm: 'destructive' });
    clusterReader = await start({ namespaces: [A], clusterScoped: 'read' });
    clusterWriter = await start({
      namespaces: [A],
      write: true,
      clusterScoped: 'write',
      writeKinds: ['clusterroles.rbac.authorization.k8s.io', 'namespaces'],
    });
  });
  after(async () => {
    for (const provider of providers) await provider.close();
    await admin('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/fleet-${run}`);
  });

  const deployment = async (name: string) => (await admin('GET', `${apps(A, 'deployments')}/${name}`)).body;
  const image = (object: Fixture) =>
    (object.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]
      ?.image;

  it('patches with a merge, strategic or JSON patch; dry-run and refusals change nothing', async () => {
    const cfg = { kind: 'ConfigMap', namespace: A, name: 'cfg' };
    const dry = await okOn(writer, 'patch', { ...cfg, patch: { data: { a: '2' } }, dryRun: true });
    assert.deepEqual((dry.structuredContent?.object as { data: unknown }).data, { a: '2' });
    assert.deepEqual((await admin('GET', `/api/v1/namespaces/${A}/configmaps/cfg`)).body.data, { a: '1' });
    await okOn(writer, 'patch', { ...cfg, patch: { data: { b: '3' } } });
    await okOn(writer, 'patch', {
      ...cfg,
      type: 'json',
      patch: [{ op: 'add', path: '/metadata/labels', value: { patched: 'yes' } }],
    });
    const patched = (await admin('GET', `/api/v1/namespaces/${A}/configmaps/cfg`)).body;
    assert.deepEqual(patched.data, { a: '1', b: '3' });
    assert.deepEqual((patched.metadata as { labels: unknown }).labels, { patched: 'yes' });
    // Strategic merge: the container list is merged by name, not replaced.
    await okOn(writer, 'patch', {
      kind: 'deploy',
      namespace: A,
      name: 'web',
      type: 'strategic',
      patch: { spec: { template: { spec: { containers: [{ name: 'main', image: 'web:2' }] } } } },
    });
    assert.equal(image(await deployment('web')), 'web:2');
    await refusedOn(writer, 'patch', { ...cfg, type: 'json', patch: { data: {} } }, /list of operations/);
    await refusedOn(writer, 'patch', { ...cfg, patch: [] }, /merge patch is an object/);
    await refusedOn(writer, 'patch', { ...cfg, namespace: B, patch: { data: {} } }, /allow-list/);
    await refusedOn(writer, 'patch', { kind: 'secret', namespace: A, name: 'db', patch: {} }, /denied/);
    await refusedOn(
      writer,
      'patch',
      { kind: 'ClusterRole', name: 'admin', patch: { metadata: { labels: { x: 'y' } } } },
      /cluster-scoped writes are not enabled/,
    );
  });

  it('rollout restart, pause and resume a Deployment; a paused one is not restarted', async () => {
    const r = await okOn(writer, 'rollout', { namespace: A, name: 'web', action: 'restart' });
    assert.equal(r.structuredContent?.changed, true);
    const annotations = (
      (await deployment('web')).spec as { template: { metadata: { annotations: Record<string, string> } } }
    ).template.metadata.annotations;
    assert.ok(Date.parse(annotations['kubectl.kubernetes.io/restartedAt'] ?? '') > Date.now() - 60_000);
    await okOn(writer, 'rollout', { namespace: A, name: 'web', action: 'pause' });
    assert.equal(((await deployment('web')).spec as { paused: boolean }).paused, true);
    const again = await okOn(writer, 'rollout', { namespace: A, name: 'web', action: 'pause' });
    assert.equal(again.structuredContent?.changed, false);
    await refusedOn(writer, 'rollout', { namespace: A, name: 'web', action: 'restart' }, /paused/);
    await okOn(writer, 'rollout', { namespace: A, name: 'web', action: 'resume' });
    assert.equal(((await deployment('web')).spec as { paused?: boolean }).paused, undefined);
    await refusedOn(writer, 'rollout', { namespace: B, name: 'web', action: 'restart' }, /allow-list/);
    await refusedOn(
      writer,
      'rollout',
      { kind: 'ConfigMap', namespace: A, name: 'cfg', action: 'restart' },
      /has no rollout/,
    );
  });

  it('rollout undo returns a Deployment to an earlier ReplicaSet template', async () => {
    const d = await created(apps(A, 'deployments'), {
      metadata: { name: 'hist', annotations: { 'deployment.kubernetes.io/revision': '3' } },
      spec: { replicas: 1, selector: selector('hist'), template: template('hist', 'hist:3') },
    });
    // No controller-manager runs here: the test writes the ReplicaSets the controller would keep.
    for (const revision of [1, 2, 3]) {
      const tpl = template('hist', `hist:${revision}`);
      tpl.metadata.labels = { ...tpl.metadata.labels, 'pod-template-hash': `h${revision}` } as never;
      await created(apps(A, 'replicasets'), {
        metadata: {
          name: `hist-h${revision}`,
          labels: tpl.metadata.labels,
          annotations: { 'deployment.kubernetes.io/revision': String(revision) },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: 'hist',
              uid: d.metadata?.uid,
              controller: true,
            },
          ],
        },
        spec: { replicas: 0, selector: { matchLabels: tpl.metadata.labels }, template: tpl },
      });
    }
    const dry = await okOn(writer, 'rollout', { namespace: A, name: 'hist', action: 'undo', dryRun: true });
    assert.equal(dry.structuredContent?.toRevision, 2);
    assert.equal(image(await deployment('hist')), 'hist:3');
    await okOn(writer, 'rollout', { namespace: A, name: 'hist', action: 'undo' });
    const undone = await deployment('hist');
    assert.equal(image(undone), 'hist:2');
    const labels = (undone.spec as { template: { metadata: { labels: Record<string, string> } } }).template
      .metadata.labels;
    assert.deepEqual(labels, { app: 'hist' }, 'the pod-template-hash label is not copied back');
    await okOn(writer, 'rollout', { namespace: A, name: 'hist', action: 'undo', toRevision: 1 });
    assert.equal(image(await deployment('hist')), 'hist:1');
    await refusedOn(
      writer,
      'rollout',
      { namespace: A, name: 'hist', action: 'undo', toRevision: 9 },
      /no revision 9 \(known: 3, 2, 1\)/,
    );
    await refusedOn(writer, 'rollout', { namespace: A, name: 'web', action: 'undo' }, /no earlier revision/);
  });

  it('rollout undo of a StatefulSet applies its ControllerRevision; status per kind', async () => {
    const sts = await created(apps(A, 'statefulsets'), {
      metadata: { name: 'db' },
      spec: { replicas: 2, serviceName: 'db', selector: selector('db'), template: template('db', 'db:2') },
    });
    for (const revision of [1, 2])
      await created(
        apps(A, 'controllerrevisions'),
        statefulSetRevision(sts, revision, {
          spec: { template: { ...template('db', `db:${revision}`), $patch: 'replace' } },
        }),
      );
    await okOn(writer, 'rollout', { kind: 'sts', namespace: A, name: 'db', action: 'undo' });
    const path = `${apps(A, 'statefulsets')}/db`;
    assert.equal(image((await admin('GET', path)).body), 'db:1');
    await refusedOn(
      writer,
      'rollout',
      { kind: 'sts', namespace: A, name: 'db', action: 'pause' },
      /only Deployments/,
    );

    const status = async (kind: string, name: string) =>
      (await okOn(reader, 'rollout_status', { kind, namespace: A, name })).structuredContent;
    const report = async (resource: string, name: string, s: Record<string, unknown>) => {
      const current = (await admin('GET', `${apps(A, resource)}/${name}`)).body;
      const r = await admin('PUT', `${apps(A, resource)}/${name}/status`, {
        ...current,
        status: { observedGeneration: current.metadata?.generation, ...s },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    assert.match(String((await status('StatefulSet', 'db'))?.message), /observe the new spec/);
    await report('statefulsets', 'db', {
      replicas: 2,
      readyReplicas: 1,
      currentRevision: 'r1',
      updateRevision: 'r2',
    });
    assert.equal((await status('statefulsets', 'db'))?.message, '1 of 2 pods ready');
    await report('statefulsets', 'db', {
      replicas: 2,
      readyReplicas: 2,
      updatedReplicas: 1,
      currentRevision: 'r1',
      updateRevision: 'r2',
    });
    assert.equal((await status('sts', 'db'))?.message, '1 of 2 pods at revision r2');
    await report('statefulsets', 'db', {
      replicas: 2,
      readyReplicas: 2,
      currentRevision: 'r2',
      updateRevision: 'r2',
    });
    assert.equal((await status('sts', 'db'))?.done, true);

    await created(apps(A, 'daemonsets'), {
      metadata: { name: 'agent' },
      spec: { selector: selector('agent'), template: template('agent', 'agent:1') },
    });
    await report('daemonsets', 'agent', {
      desiredNumberScheduled: 3,
      updatedNumberScheduled: 3,
      numberAvailable: 2,
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
      numberReady: 2,
    });
    assert.equal((await status('ds', 'agent'))?.message, '2 of 3 updated pods available');
    await created(apps(A, 'daemonsets'), {
      metadata: { name: 'manual' },
      spec: {
        selector: selector('manual'),
        template: template('manual', 'm:1'),
        updateStrategy: { type: 'OnDelete' },
      },
    });
    const manual = await status('DaemonSet', 'manual');
    assert.equal(manual?.failed, true);
    assert.match(String(manual?.message), /only available for the RollingUpdate strategy/);
  });

  it('destructive writes ask the user through elicitation; no answer, no change', async () => {
    const configMap = (name: string) =>
      created(`/api/v1/namespaces/${A}/configmaps`, { metadata: { name }, data: { k: 'v' } });
    const exists = async (name: string) =>
      (await admin('GET', `/api/v1/namespaces/${A}/configmaps/${name}`)).status === 200;
    await configMap('doomed');
    const args = { kind: 'ConfigMap', namespace: A, name: 'doomed' };
    await refusedOn(confirmer, 'delete', args, /cannot ask/);
    const ELICIT = { capabilities: { elicitation: {} } };
    const asked: string[] = [];
    await refusedOn(confirmer, 'delete', args, /did not confirm.*decline/, {
      ...ELICIT,
      onFrame: answering((method, params) => {
        asked.push(`${method}: ${params.message}`);
        return { action: 'decline' };
      }),
    });
    await refusedOn(confirmer, 'delete', args, /did not confirm/, {
      ...ELICIT,
      onFrame: answering(() => ({ action: 'accept', content: { confirm: false } })),
    });
    assert.ok(await exists('doomed'), 'a refused delete changes nothing');
    assert.deepEqual(asked, [
      `elicitation/create: Allow the Kubernetes provider to delete ConfigMap doomed in ${A}?`,
    ]);
    await okOn(confirmer, 'delete', { ...args, dryRun: true });
    await okOn(confirmer, 'delete', args, {
      ...ELICIT,
      onFrame: answering(() => ({ action: 'accept', content: { confirm: true } })),
    });
    assert.equal(await exists('doomed'), false);
    await refusedOn(confirmer, 'rollout', { namespace: A, name: 'web', action: 'restart' }, /cannot ask/);
  });

  it('exec: only behind its own opt-in, checked like a write, confirmed, refused for a pod without a node or kubelet', async () => {
    const absent = await callOn(writer, 'exec', { namespace: A, pod: 'x', command: ['id'] }).catch(
      (err: Error) => err,
    );
    assert.match(String(absent), /expected a result frame|Unknown tool|exec/);
    // No controller-manager makes the namespace's default ServiceAccount; pods need one.
    await created(`/api/v1/namespaces/${A}/serviceaccounts`, { metadata: { name: 'default' } });
    await created(`/api/v1/namespaces/${A}/pods`, {
      metadata: { name: 'unscheduled' },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
    });
    const execer = await start({ namespaces: [A], exec: true });
    const asking = await start({ namespaces: [A], exec: true, confirm: 'destructive' });
    const args = { namespace: A, pod: 'unscheduled', command: ['cat', '/etc/hostname'] };
    const failed = await refusedOn(execer, 'exec', args, /pod unscheduled is not scheduled on a node/);
    assert.doesNotMatch(JSON.stringify(failed), /token|Bearer/i);
    await refusedOn(execer, 'exec', { ...args, namespace: B }, /allow-list/);
    await refusedOn(execer, 'exec', { ...args, container: '--privileged' }, /invalid container name/);
    await refusedOn(execer, 'exec', { ...args, pod: '../nodes/x' }, /invalid object name/);
    // A pod bound to a node that does not exist, reported Running: the checks pass, the API server
    // then cannot reach a kubelet, and says so.
    await created(`/api/v1/namespaces/${A}/pods`, {
      metadata: { name: 'placed' },
      spec: { nodeName: `ghost-${run}`, containers: [{ name: 'main', image: 'busybox' }] },
    });
    const placed = (await admin('GET', `/api/v1/namespaces/${A}/pods/placed`)).body;
    const running = await admin('PUT', `/api/v1/namespaces/${A}/pods/placed/status`, {
      ...placed,
      status: { phase: 'Running' },
    });
    assert.equal(running.status, 200, JSON.stringify(running.body));
    const onPlaced = { ...args, pod: 'placed' };
    await refusedOn(asking, 'exec', onPlaced, /cannot ask/);
    await refusedOn(execer, 'exec', onPlaced, /exec refused: .*\b[45]\d\d\b/);
  });

  describe('top, from the metrics API', () => {
    const crd = (plural: string, kind: string, scope: 'Namespaced' | 'Cluster') => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: `${plural}.metrics.k8s.io`,
        annotations: { 'api-approved.kubernetes.io': 'unapproved, test fixture serving the metrics API' },
      },
      spec: {
        group: 'metrics.k8s.io',
        scope,
        names: { plural, kind, singular: kind.toLowerCase() },
        versions: [
          {
            name: 'v1beta1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    });
    const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
    const until = async (what: string, check: () => Promise<boolean>) => {
      for (let i = 0; i < 150 && !(await check()); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(await check(), what);
    };
    const served = async () => (await admin('GET', '/apis/metrics.k8s.io/v1beta1')).status === 200;
    const removeMetricsApi = async () => {
      for (const name of ['pods.metrics.k8s.io', 'nodes.metrics.k8s.io'])
        await admin('DELETE', `${CRDS}/${name}`);
      await until('the metrics API is gone', async () => !(await served()));
    };
    before(removeMetricsApi);
    after(removeMetricsApi);

    it('says clearly when the cluster serves no metrics API', async () => {
      await refusedOn(reader, 'top', { namespace: A }, /no metrics API.*metrics-server/);
    });

    it('reports pod and node usage from a metrics API served by the real API server', async () => {
      // The API group is served by CRDs here (no metrics-server without kubelets): same paths, same shapes.
      await created(CRDS, crd('pods', 'PodMetrics', 'Namespaced'));
      await created(CRDS, crd('nodes', 'NodeMetrics', 'Cluster'));
      await until(
        'the metrics API is served',
        async () =>
          (await admin('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${A}/pods`)).status === 200 &&
          (await admin('GET', '/apis/metrics.k8s.io/v1beta1/nodes')).status === 200,
      );
      const podMetrics = (ns: string, name: string, containers: [string, string, string][]) =>
        created(`/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`, {
          apiVersion: 'metrics.k8s.io/v1beta1',
          kind: 'PodMetrics',
          metadata: { name },
          timestamp: new Date().toISOString(),
          window: '30s',
          containers: containers.map(([n, cpu, memory]) => ({ name: n, usage: { cpu, memory } })),
        });
      await podMetrics(A, 'quiet', [['main', '1500000n', '16Mi']]);
      await podMetrics(A, 'busy', [
        ['main', '250m', '64Mi'],
        ['sidecar', '1', '512Ki'],
      ]);
      await podMetrics(B, 'elsewhere', [['main', '2', '1Gi']]);
      const top = await okOn(reader, 'top', { namespace: A });
      assert.deepEqual(
        (top.structuredContent?.items as Record<string, unknown>[]).map((i) => [
          i.name,
          i.cpuMillicores,
          i.memoryMiB,
        ]),
        [
          ['busy', 1250, 64.5],
          ['quiet', 2, 16],
        ],
      );
      const busy = (top.structuredContent?.items as { containers: unknown[] }[])[0];
      assert.deepEqual(busy?.containers, [
        { name: 'main', cpuMillicores: 250, memoryMiB: 64 },
        { name: 'sidecar', cpuMillicores: 1000, memoryMiB: 0.5 },
      ]);
      const one = await okOn(reader, 'top', { namespace: A, name: 'quiet' });
      assert.equal((one.structuredContent?.items as unknown[]).length, 1);
      await refusedOn(reader, 'top', { namespace: B }, /allow-list/);
      await refusedOn(reader, 'top', { resource: 'nodes' }, /cluster-scoped reads are not enabled/);

      await created('/apis/metrics.k8s.io/v1beta1/nodes', {
        apiVersion: 'metrics.k8s.io/v1beta1',
        kind: 'NodeMetrics',
        metadata: { name: `node-${run}` },
        usage: { cpu: '3', memory: '2Gi' },
      });
      const nodes = await okOn(clusterReader, 'top', { resource: 'nodes', name: `node-${run}` });
      assert.deepEqual(nodes.structuredContent?.items, [
        { name: `node-${run}`, cpuMillicores: 3000, memoryMiB: 2048 },
      ]);
      // A kind that appeared after discovery was cached is found: the catalog refreshes on a miss.
      const listed = await okOn(reader, 'get', { kind: 'PodMetrics', namespace: A });
      assert.equal((listed.structuredContent?.items as unknown[]).length, 2);
    });
  });

  it('contexts: only the allow-listed ones are listed and reachable', async () => {
    const file = new KubeConfig();
    const current = kc.getContextObject(kc.getCurrentContext());
    assert.ok(current);
    file.loadFromOptions({
      clusters: kc.getClusters(),
      users: kc.getUsers(),
      contexts: [current, { ...current, name: 'second', namespace: B }, { ...current, name: 'hidden' }],
      currentContext: current.name,
    });
    assert.throws(() => clustersOf(file, ['nope'], 1000), /context nope is not in the kubeconfig/);
    const multi = await startKubernetesProvider(file, { namespaces: [A], contexts: ['second'] });
    providers.push(multi);
    const listed = await okOn(multi, 'contexts_list', {});
    assert.deepEqual(
      (listed.structuredContent?.contexts as { name: string; default: boolean }[]).map((c) => [
        c.name,
        c.default,
      ]),
      [
        [current.name, true],
        ['second', false],
      ],
    );
    const cfg = { kind: 'cm', namespace: A, name: 'cfg' };
    await okOn(multi, 'get', { ...cfg, context: 'second' });
    await okOn(multi, 'get', cfg);
    await refusedOn(multi, 'get', { ...cfg, context: 'hidden' }, /context "hidden" is not in the allow-list/);
    await refusedOn(multi, 'get', { ...cfg, context: '--context=hidden' }, /not in the allow-list/);
  });

  it('cluster-scoped kinds: off by default, readable when enabled, writable only with their own switch and listed kinds', async () => {
    await refusedOn(
      reader,
      'get',
      { kind: 'ClusterRole', name: 'admin' },
      /cluster-scoped reads are not enabled/,
    );
    const role = await okOn(clusterReader, 'get', {
      kind: 'clusterroles.rbac.authorization.k8s.io',
      name: 'admin',
    });
    assert.equal((role.structuredContent?.metadata as { name: string }).name, 'admin');
    const kinds = (
      (await okOn(clusterReader, 'api_resources', {})).structuredContent?.resources as {
        kind: string;
        namespaced: boolean;
      }[]
    ).filter((r) => r.kind === 'ClusterRole');
    assert.deepEqual(
      kinds.map((k) => k.namespaced),
      [false],
    );
    // Namespace objects stay inside the allow-list even when cluster-scoped reads are on.
    await okOn(clusterReader, 'get', { kind: 'Namespace', name: A });
    await refusedOn(clusterReader, 'get', { kind: 'Namespace', name: B }, /allow-list/);
    await refusedOn(clusterReader, 'get', { kind: 'ns' }, /namespaces_list/);

    const manifest = [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      `  name: fleet-${run}`,
      'rules:',
      '- apiGroups: [""]',
      '  resources: [configmaps]',
      '  verbs: [get]',
    ].join('\n');
    await refusedOn(writer, 'apply', { manifest }, /cluster-scoped writes are not enabled/);
    const unlisted = await start({ namespaces: [A], write: true, clusterScoped: 'write' });
    await refusedOn(unlisted, 'apply', { manifest }, /ClusterRole .* is not writable/);
    const applied = await okOn(clusterWriter, 'apply', { manifest, namespace: A });
    assert.deepEqual(
      (applied.structuredContent?.applied as { name: string }[]).map((o) => o.name),
      [`fleet-${run}`],
    );
    assert.equal(
      (await admin('GET', `/apis/rbac.authorization.k8s.io/v1/clusterroles/fleet-${run}`)).status,
      200,
    );
    await refusedOn(clusterWriter, 'delete', { kind: 'Namespace', name: B }, /allow-list/);
    await okOn(clusterWriter, 'delete', { kind: 'ClusterRole', name: `fleet-${run}` });
  });
});
