import assert from 'node:assert/strict';
import { type RequestOptions, request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { resultOf, runCall, startProvider, type TestProvider, toolCall } from '@mcp-fleet/sdk/testing';
import { kubeApi, kubernetesTools } from '../src/provider.js';

type Result = {
  content: { text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

const kubeconfig = process.env.KUBECONFIG;

describe('kubernetes provider against a real kube-apiserver', () => {
  let server: TestProvider;
  let kc: KubeConfig;

  /** Writes fixtures with the admin kubeconfig, straight to the API (not through the provider). */
  const admin = async (method: string, path: string, body?: unknown) => {
    const cluster = kc.getCurrentCluster();
    const options: RequestOptions = {
      method,
      headers: { 'content-type': 'application/json' },
    };
    await kc.applyToHTTPSOptions(options);
    return new Promise<{ status: number; body: { metadata?: { uid?: string } } }>((resolve, reject) => {
      const req = request(new URL(path, cluster?.server), options, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  };

  before(async () => {
    assert.ok(kubeconfig, 'KUBECONFIG must point at the test API server (scripts/kube-env.sh up)');
    kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    for (const ns of ['team-a', 'team-b'])
      assert.ok(
        [201, 409].includes((await admin('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status),
      );
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
    for (const ns of ['team-a', 'team-b']) {
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
    server = await startProvider(
      kubernetesTools({
        api: kubeApi(kc, 10_000),
        policy: { namespaces: ['team-a'], deniedKinds: ['secrets'] },
      }),
    );
  });
  after(async () => {
    await server?.close();
  });

  const call = async (tool: string, args: Record<string, unknown>) =>
    resultOf(await runCall(server.client, toolCall(tool, args))) as Result;
  const text = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');
  const refused = async (tool: string, args: Record<string, unknown>, reason: RegExp) => {
    const r = await call(tool, args);
    assert.equal(r.isError, true, `${tool} ${JSON.stringify(args)} should be refused: ${text(r)}`);
    assert.match(text(r), reason);
    assert.doesNotMatch(text(r), /hunter2|aHVudGVyMg/);
  };

  it('lists allowed namespaces and namespaced resource types without Secrets', async () => {
    assert.deepEqual((await call('namespaces_list', {})).structuredContent?.namespaces, [
      { name: 'team-a', exists: true },
    ]);
    const kinds = ((await call('api_resources', {})).structuredContent?.resources as { kind: string }[]).map(
      (r) => r.kind,
    );
    assert.ok(kinds.includes('Deployment') && kinds.includes('ConfigMap'));
    assert.ok(!kinds.includes('Secret'));
  });

  it('gets objects by name and by selector, in JSON or YAML, every kind spelling', async () => {
    for (const kind of ['Deployment', 'deployments', 'deploy', 'deployments.apps', 'apps/v1/Deployment']) {
      const r = await call('get', { kind, namespace: 'team-a', name: 'web' });
      assert.equal(r.isError, undefined, text(r));
      assert.equal((r.structuredContent?.spec as { replicas: number }).replicas, 2);
      assert.equal((r.structuredContent?.metadata as Record<string, unknown>).managedFields, undefined);
    }
    const list = await call('get', {
      kind: 'configmaps',
      namespace: 'team-a',
      fieldSelector: 'metadata.name=settings',
    });
    assert.deepEqual(
      (list.structuredContent?.items as { metadata: { name: string } }[]).map((i) => i.metadata.name),
      ['settings'],
    );
    const yaml = await call('get', {
      kind: 'Deployment',
      namespace: 'team-a',
      labelSelector: 'app=web',
      output: 'yaml',
    });
    assert.match(text(yaml), /^kind: Deployment$/m);
    await refused('get', { kind: 'Deployment', namespace: 'team-a', name: 'nope' }, /404/);
  });

  it('refuses Secrets under every spelling', async () => {
    for (const kind of ['Secret', 'secret', 'secrets', 'v1/Secret', 'secrets.v1.', 'SECRETS'])
      await refused('get', { kind, namespace: 'team-a', name: 'db' }, /denied/);
    await refused('get', { kind: 'Secret', namespace: 'team-a' }, /denied/);
  });

  it('refuses namespaces outside the allow-list and option look-alikes as plain invalid values', async () => {
    await refused(
      'get',
      { kind: 'ConfigMap', namespace: 'team-b', name: 'settings' },
      /not in the allow-list/,
    );
    await refused('get', { kind: 'ConfigMap', namespace: 'kube-system' }, /not in the allow-list/);
    await refused('get', { kind: 'ConfigMap', namespace: '--all-namespaces' }, /invalid namespace/);
    await refused(
      'get',
      { kind: 'ConfigMap', namespace: 'team-a', name: '--server=https://evil' },
      /invalid object name/,
    );
    await refused(
      'get',
      { kind: 'ConfigMap', namespace: 'team-a', name: '../../secrets/db' },
      /invalid object name/,
    );
    await refused('get', { kind: '--as=system:admin', namespace: 'team-a' }, /unknown kind/);
    await refused('get', { kind: 'Namespace', namespace: 'team-a' }, /cluster-scoped/);
    await refused('events', { namespace: 'team-b' }, /not in the allow-list/);
  });

  it('events of a namespace, optionally about one object', async () => {
    await admin('POST', '/api/v1/namespaces/team-a/events', {
      metadata: { name: 'web.1' },
      involvedObject: { kind: 'Deployment', name: 'web', namespace: 'team-a' },
      reason: 'Tested',
      message: 'an event for the test',
      type: 'Normal',
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
    });
    const r = await call('events', { namespace: 'team-a', kind: 'deploy', name: 'web' });
    assert.deepEqual(
      (r.structuredContent?.events as { reason: string }[]).map((e) => e.reason),
      ['Tested'],
    );
  });

  it('describes an object with its events and its owner chain, naming a denied owner without reading it', async () => {
    const web = (await admin('GET', '/apis/apps/v1/namespaces/team-a/deployments/web')).body;
    const secret = (await admin('GET', '/api/v1/namespaces/team-a/secrets/db')).body;
    const owned = (name: string, ref: Record<string, unknown>) =>
      admin('POST', '/api/v1/namespaces/team-a/configmaps', {
        metadata: { name, ownerReferences: [{ ...ref, controller: true }] },
      });
    const webConfig = await owned('web-config', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      uid: web.metadata?.uid,
    });
    await owned('db-config', { apiVersion: 'v1', kind: 'Secret', name: 'db', uid: secret.metadata?.uid });
    await admin('POST', '/api/v1/namespaces/team-a/events', {
      metadata: { name: 'web-config.1' },
      involvedObject: {
        kind: 'ConfigMap',
        name: 'web-config',
        namespace: 'team-a',
        uid: webConfig.body.metadata?.uid,
      },
      reason: 'Described',
      message: 'about web-config',
      type: 'Normal',
      lastTimestamp: new Date().toISOString(),
    });

    const r = await call('describe', { kind: 'cm', namespace: 'team-a', name: 'web-config' });
    assert.equal(r.isError, undefined, text(r));
    assert.deepEqual(r.structuredContent?.owners, [
      { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
    ]);
    const denied = await call('describe', { kind: 'ConfigMap', namespace: 'team-a', name: 'db-config' });
    assert.deepEqual(
      (denied.structuredContent?.owners as { kind: string; note?: string }[]).map((o) => [o.kind, o.note]),
      [['Secret', 'Secret (secrets) is denied']],
    );
    assert.doesNotMatch(text(denied), /hunter2|aHVudGVyMg/);
  });
});
