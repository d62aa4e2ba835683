import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, type V1Service } from '@kubernetes/client-node';
import { defineTool } from '@mcp-fleet/sdk';
import { freePort, type ProviderProcess, spawnProvider } from '@mcp-fleet/sdk/testing';
import { ANNOTATION, PROVIDER_LABEL, providerOfService } from '../src/catalog/kube-discovery.js';
import { EVERYTHING } from './gateway-processes.js';
import { type Fleet, post, startFleet, type WatchedSession, watchedSession } from './support.js';

const lab = defineTool({
  name: 'ping',
  description: 'ping',
  inputSchema: { type: 'object' },
  annotations: { readOnlyHint: true },
  handler: () => 'pong',
});

/** Polls an async condition (a Kubernetes watch is eventually consistent). */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const service = (
  name: string,
  annotations: Record<string, string>,
  labels: Record<string, string> = { [PROVIDER_LABEL]: 'true' },
  port = 50051,
): V1Service => ({
  metadata: { name, labels, annotations },
  // ExternalName: a provider reached by DNS name; here `localhost`, where the test runs it.
  spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'grpc', port }] },
});

describe('providers from labelled Kubernetes Services', () => {
  it('reads name, prefix, port and timeout from the Service, with clear problems', () => {
    const options = { clusterDomain: 'cluster.local', defaultTimeoutMs: 60_000, externalNames: false };
    assert.deepEqual(
      providerOfService(
        {
          metadata: { name: 'postgres', namespace: 'fleet', annotations: { [ANNOTATION.timeout]: '30s' } },
          spec: {
            ports: [
              { name: 'metrics', port: 9464 },
              { name: 'grpc', port: 50052 },
            ],
          },
        },
        options,
      ),
      {
        name: 'postgres',
        target: 'dns:///postgres.fleet.svc.cluster.local:50052',
        prefix: 'postgres',
        timeoutMs: 30_000,
        toolTimeoutsMs: {},
      },
    );
    const byName = providerOfService(
      {
        metadata: {
          name: 'x',
          namespace: 'n',
          annotations: { [ANNOTATION.port]: 'api', [ANNOTATION.prefix]: '' },
        },
        spec: {
          ports: [
            { name: 'api', port: 7000 },
            { name: 'web', port: 80 },
          ],
        },
      },
      options,
    );
    assert.equal('target' in byName && byName.target, 'dns:///x.n.svc.cluster.local:7000');
    assert.equal('prefix' in byName && byName.prefix, '');
    const bad = providerOfService(
      {
        metadata: {
          name: 'Bad_Name',
          namespace: 'n',
          annotations: { [ANNOTATION.prefix]: 'no spaces!', [ANNOTATION.timeout]: 'soon' },
        },
        spec: {
          ports: [
            { name: 'a', port: 1 },
            { name: 'b', port: 2 },
          ],
        },
      },
      options,
    );
    assert.deepEqual('problems' in bad && bad.problems.length, 4);
    // An ExternalName Service could send calls anywhere: followed only when the operator says so.
    const elsewhere: V1Service = {
      metadata: { name: 'outside', namespace: 'n' },
      spec: {
        type: 'ExternalName',
        externalName: 'metadata.google.internal',
        ports: [{ name: 'grpc', port: 80 }],
      },
    };
    const refused = providerOfService(elsewhere, options);
    assert.match(
      'problems' in refused ? refused.problems.join('; ') : '',
      /MCPFLEET_DISCOVERY_EXTERNAL_NAMES/,
    );
    const allowed = providerOfService(elsewhere, { ...options, externalNames: true });
    assert.equal('target' in allowed && allowed.target, 'dns:///metadata.google.internal:80');
  });

  describe('against a real kube-apiserver', () => {
    let fleet: Fleet;
    let provider: ProviderProcess;
    let port: number;
    let core: CoreV1Api;
    let client: WatchedSession;
    const run = Math.random().toString(36).slice(2, 8);
    const watched = `disc-${run}`;
    const elsewhere = `disc-other-${run}`;

    const create = (namespace: string, body: V1Service) => core.createNamespacedService({ namespace, body });

    before(async () => {
      const kubeconfig = process.env.KUBECONFIG;
      assert.ok(kubeconfig, 'KUBECONFIG must point at the test API server (scripts/kube-env.sh up)');
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      core = kc.makeApiClient(CoreV1Api);
      for (const name of [watched, elsewhere]) await core.createNamespace({ body: { metadata: { name } } });
      port = await freePort();
      fleet = await startFleet([{ name: 'lab', definitions: [lab] }], {
        MCPFLEET_DISCOVERY: 'kubernetes',
        MCPFLEET_DISCOVERY_KUBECONFIG: kubeconfig,
        MCPFLEET_DISCOVERY_NAMESPACES: watched,
        // The test's provider runs here: an ExternalName Service pointing at localhost reaches it.
        MCPFLEET_DISCOVERY_EXTERNAL_NAMES: 'true',
      });
      provider = spawnProvider(EVERYTHING, [], {
        MCPFLEET_LISTEN: `127.0.0.1:${port}`,
        MCPFLEET_IDENTITY_JWKS: join(fleet.dir, 'jwks.json'),
        MCPFLEET_DRAIN_TIMEOUT: '1s',
      });
      client = await watchedSession(fleet.url);
    });
    after(async () => {
      client?.close();
      provider?.child.kill();
      await provider?.exited;
      await fleet?.close();
      for (const name of [watched, elsewhere]) await core?.deleteNamespace({ name }).catch(() => undefined);
    });

    it('adds the provider a labelled Service announces, callable with its identity, and says so', async () => {
      // The name is the provider's own: its identity tokens are minted for that audience.
      await create(
        watched,
        service(
          'everything',
          { [ANNOTATION.port]: String(port), [ANNOTATION.prefix]: 'team' },
          undefined,
          port,
        ),
      );
      await eventually('team_echo in tools/list', async () =>
        (await client.toolNames()).includes('team_echo'),
      );
      assert.ok(client.listChanges() >= 1, 'clients were told the list changed');
      const { json } = await post(
        fleet.url,
        {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'team_echo', arguments: { text: 'hi' } },
        },
        client.headers(),
      );
      assert.deepEqual(json?.result, { content: [{ type: 'text', text: 'hi' }] });
      assert.ok((await client.toolNames()).includes('lab_ping'), 'static providers keep serving');
    });

    it('follows a changed annotation, and ignores Services it must not take', async () => {
      await core.patchNamespacedService({
        name: 'everything',
        namespace: watched,
        body: [{ op: 'replace', path: '/metadata/annotations/mcp-fleet.io~1prefix', value: 'crew' }],
      });
      await eventually('crew_echo replaces team_echo', async () => {
        const names = await client.toolNames();
        return names.includes('crew_echo') && !names.includes('team_echo');
      });
      // A Service claiming a static provider's name, a malformed one, an unlabelled one, and one
      // in a namespace nobody watches: none changes the catalog.
      await create(watched, service('lab', { [ANNOTATION.port]: String(port) }, undefined, port));
      await create(watched, service('broken', { [ANNOTATION.prefix]: 'no spaces!' }));
      await create(watched, service('plain', {}, {}));
      await create(elsewhere, service('everything', { [ANNOTATION.prefix]: 'stray' }, undefined, port));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const names = await client.toolNames();
      assert.ok(names.includes('lab_ping') && names.includes('crew_echo'));
      assert.ok(!names.some((n) => n.startsWith('stray_')));
      assert.deepEqual(
        fleet.gateway.registry.status().map((p) => [p.name, p.target]),
        [
          ['lab', fleet.gateway.registry.status()[0]?.target],
          ['everything', `dns:///localhost:${port}`],
        ],
      );
    });

    it('removes the provider when its Service goes', async () => {
      const before = client.listChanges();
      await core.deleteNamespacedService({ name: 'everything', namespace: watched });
      await eventually('crew_echo gone', async () => !(await client.toolNames()).includes('crew_echo'));
      await eventually('a list_changed notification', async () => client.listChanges() > before);
      assert.deepEqual(
        fleet.gateway.registry.status().map((p) => p.name),
        ['lab'],
      );
    });
  });
});
