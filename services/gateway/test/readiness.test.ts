import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { type CatalogEvent, type DescribeResponse, loadProviderProto } from '@mcp-fleet/contract';
import { defineTool } from '@mcp-fleet/sdk';
import { freePort, type ProviderProcess, spawnProvider, waitFor } from '@mcp-fleet/sdk/testing';
import { ANNOTATION, PROVIDER_LABEL } from '../src/catalog/kube-discovery.js';
import type { ProviderConfig } from '../src/catalog/providers-file.js';
import { EVERYTHING } from './gateway-processes.js';
import { type Fleet, initialize, post, startFleet } from './support.js';

const ping = defineTool({
  name: 'ping',
  description: 'ping',
  inputSchema: { type: 'object' },
  annotations: { readOnlyHint: true },
  handler: () => 'pong',
});

interface Readyz {
  status: number;
  ready: boolean;
  startup: string;
  providers: { name: string; state: string; up: boolean; error?: string }[];
}

async function readyz(fleet: Fleet): Promise<Readyz> {
  const response = await fetch(fleet.url.replace('/mcp', '/readyz'));
  return { status: response.status, ...((await response.json()) as Omit<Readyz, 'status'>) };
}

/** Polls /readyz until it answers 200, and returns that first ready answer. */
async function firstReady(fleet: Fleet, timeoutMs = 30_000): Promise<Readyz> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await readyz(fleet);
    if (answer.status === 200) return answer;
    if (Date.now() > deadline) throw new Error(`never ready: ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const provider = (body: Readyz, name: string) => {
  const found = body.providers.find((p) => p.name === name);
  assert.ok(found, `${name} is listed in ${JSON.stringify(body.providers)}`);
  return found;
};

async function toolNames(fleet: Fleet): Promise<string[]> {
  const session = await initialize(fleet.url);
  const { json } = await post(
    fleet.url,
    { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    { 'mcp-session-id': session },
  );
  return (json?.result as { tools: { name: string }[] }).tools.map((t) => t.name);
}

/** The everything provider as its own process on `port`, trusting the fleet's identity tokens. */
const startEverything = (fleet: Fleet, port: number) =>
  spawnProvider(EVERYTHING, [], {
    MCPFLEET_LISTEN: `127.0.0.1:${port}`,
    MCPFLEET_IDENTITY_JWKS: join(fleet.dir, 'jwks.json'),
    MCPFLEET_DRAIN_TIMEOUT: '1s',
  });

const everythingAt = (target: string): ProviderConfig => ({
  name: 'everything',
  target,
  prefix: 'ev',
  timeoutMs: 10_000,
  toolTimeoutsMs: {},
});

describe('readiness: a replica is ready once its providers delivered their catalogs', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  /** The lab provider, up from the start, and the everything provider at `target`, not (yet) there. */
  const labAndEverything = async (readyTimeout: string, target: string) => {
    const fleet = await startFleet(
      [{ name: 'lab', definitions: [ping] }],
      { MCPFLEET_READY_TIMEOUT: readyTimeout },
      [everythingAt(target)],
    );
    cleanups.push(() => fleet.close());
    return fleet;
  };
  /** The address `server` listens on (loopback, a free port); it is shut down at the end. */
  const listening = async (server: grpc.Server) => {
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
    cleanups.push(async () => {
      server.forceShutdown();
    });
    return `127.0.0.1:${port}`;
  };
  const killAtEnd = (process: ProviderProcess) =>
    cleanups.push(async () => {
      process.child.kill('SIGKILL');
      await process.exited;
    });

  it('is not ready before a provider delivered its first catalog; at the first 200 its tools are listed', async () => {
    const port = await freePort();
    const fleet = await labAndEverything('10m', `127.0.0.1:${port}`);
    const waiting = await readyz(fleet);
    assert.equal(waiting.status, 503);
    assert.equal(waiting.ready, false);
    assert.equal(waiting.startup, 'waiting');
    assert.equal(provider(waiting, 'lab').state, 'up');
    assert.equal(provider(waiting, 'everything').state, 'starting');
    assert.equal(provider(waiting, 'everything').up, false);

    killAtEnd(startEverything(fleet, port));
    const ready = await firstReady(fleet);
    assert.equal(ready.startup, 'complete');
    assert.deepEqual(ready.providers.map((p) => [p.name, p.state]).sort(), [
      ['everything', 'up'],
      ['lab', 'up'],
    ]);
    const names = await toolNames(fleet);
    assert.ok(names.includes('ev_echo') && names.includes('lab_ping'), names.join(', '));
  });

  it('turns ready after the start-up timeout, reporting the provider that never came as down', async () => {
    const port = await freePort();
    const fleet = await labAndEverything('2s', `127.0.0.1:${port}`);
    const ready = await firstReady(fleet);
    assert.equal(ready.startup, 'timed out');
    const missing = provider(ready, 'everything');
    assert.equal(missing.state, 'down');
    assert.equal(missing.up, false);
    assert.match(missing.error ?? '', /ECONNREFUSED|No connection established/);
    assert.deepEqual(await toolNames(fleet), ['lab_ping']);
  });

  it('does not wait for a provider that answered its first Describe with an error', async () => {
    // A gRPC server without the ToolProvider service: reachable, and failing for good.
    const server = new grpc.Server();
    const fleet = await labAndEverything('10m', await listening(server));
    const ready = await firstReady(fleet);
    assert.equal(ready.startup, 'complete');
    assert.equal(provider(ready, 'everything').state, 'down');
    assert.match(provider(ready, 'everything').error ?? '', /UNIMPLEMENTED|unimplemented/i);
  });

  // A careless provider's catalog: one tool's definition cut short, nested 3,000 deep (it parses,
  // then overflows every serialisation), or a URI template of 40 variables.
  const deep = `{"name":"deep","inputSchema":${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}}`;
  const templated = Array.from({ length: 40 }, (_, i) => `{v${i}}`).join('');
  for (const [what, item, reason] of [
    [
      'a definition that is not JSON',
      { key: 'cut', definitionJson: '{"name":"cut","inputSch' },
      /tool "cut" is not usable: .*JSON/,
    ],
    [
      'a definition nested 3,000 deep',
      { key: 'deep', definitionJson: deep },
      /tool "deep" nests deeper than 100 levels/,
    ],
    [
      'a URI template of 40 variables',
      { key: `x://${templated}`, definitionJson: '{}', template: true },
      /resource template .* is not usable: .*variables/,
    ],
  ] as const)
    it(`marks down a provider whose catalog holds ${what}, and serves the others`, async () => {
      const server = new grpc.Server();
      const fine = {
        key: 'fine',
        definitionJson: Buffer.from('{"name":"fine","inputSchema":{"type":"object"}}'),
      };
      const bad = { key: item.key, definitionJson: Buffer.from(item.definitionJson) };
      server.addService(loadProviderProto().mcpfleet.provider.v1.ToolProvider.service, {
        Describe: (_call: unknown, done: grpc.sendUnaryData<DescribeResponse>) =>
          done(null, {
            name: 'careless',
            revision: 'r1',
            tools: 'template' in item ? [fine] : [fine, bad],
            resourceTemplates: 'template' in item ? [bad] : [],
          }),
        WatchCatalog: () => {},
      });
      const fleet = await labAndEverything('10m', await listening(server));
      const ready = await firstReady(fleet);
      assert.equal(ready.startup, 'complete');
      assert.equal(provider(ready, 'everything').state, 'down');
      assert.match(provider(ready, 'everything').error ?? '', reason);
      assert.deepEqual(await toolNames(fleet), ['lab_ping']);
    });

  it('reads a burst of announced revisions with one Describe more, not one each', async () => {
    let describes = 0;
    let current = 0;
    let watch: grpc.ServerWritableStream<unknown, CatalogEvent> | undefined;
    const server = new grpc.Server();
    server.addService(loadProviderProto().mcpfleet.provider.v1.ToolProvider.service, {
      Describe: (_call: unknown, done: grpc.sendUnaryData<DescribeResponse>) => {
        describes++;
        const tool = { name: `t${current}`, inputSchema: { type: 'object' } };
        const answer = {
          name: 'busy',
          revision: `r${current}`,
          tools: [{ key: tool.name, definitionJson: Buffer.from(JSON.stringify(tool)) }],
        };
        setTimeout(() => done(null, answer), 50);
      },
      WatchCatalog: (call: grpc.ServerWritableStream<unknown, CatalogEvent>) => {
        watch = call;
      },
    });
    const fleet = await labAndEverything('10m', await listening(server));
    await firstReady(fleet);
    await waitFor(() => watch !== undefined, 'the gateway to watch the catalog');
    const before = describes;
    current = 50;
    for (let revision = 1; revision <= 50; revision++) watch?.write({ revision: `r${revision}` });
    await waitFor(() => describes > before, 'the announced revision to be read');
    // Each Describe answers after 50 ms: a second read of the burst, if any, has begun by then.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(describes - before <= 3, `${describes - before} Describes for 50 announcements`);
  });

  it('closes the catalog watch of a provider whose announced revision fails its checks', async () => {
    let bad = false;
    const watches: grpc.ServerWritableStream<unknown, CatalogEvent>[] = [];
    const cancelled: boolean[] = [];
    const server = new grpc.Server();
    server.addService(loadProviderProto().mcpfleet.provider.v1.ToolProvider.service, {
      Describe: (_call: unknown, done: grpc.sendUnaryData<DescribeResponse>) => {
        const definition = bad ? `{"name":"t","x":${'['.repeat(200)}${']'.repeat(200)}}` : '{"name":"t"}';
        done(null, {
          name: 'flaky',
          revision: bad ? 'r2' : 'r1',
          tools: [{ key: 't', definitionJson: Buffer.from(definition) }],
        });
      },
      WatchCatalog: (call: grpc.ServerWritableStream<unknown, CatalogEvent>) => {
        const index = watches.push(call) - 1;
        cancelled[index] = false;
        call.on('cancelled', () => {
          cancelled[index] = true;
        });
      },
    });
    const fleet = await labAndEverything('10m', await listening(server));
    await firstReady(fleet);
    await waitFor(() => watches.length === 1, 'the gateway to watch the catalog');
    bad = true;
    watches[0]?.write({ revision: 'r2' });
    await waitFor(() => cancelled[0] === true, 'the failed provider’s watch to be closed');
  });

  it('stays ready when a provider goes down later, and reports it down', async () => {
    const fleet = await startFleet([
      { name: 'lab', definitions: [ping] },
      { name: 'other', definitions: [ping] },
    ]);
    cleanups.push(() => fleet.close());
    assert.equal((await firstReady(fleet)).startup, 'complete');
    await fleet.providers.get('other')?.drain();
    await waitFor(
      () => fleet.gateway.registry.status().find((p) => p.name === 'other')?.up === false,
      'the gateway to see the provider down',
      15_000,
    );
    const after = await readyz(fleet);
    assert.equal(after.status, 200);
    assert.equal(after.ready, true);
    assert.equal(provider(after, 'other').state, 'down');
    assert.ok(provider(after, 'other').error, 'the reason is reported');
    assert.equal(provider(after, 'lab').state, 'up');
    const session = await initialize(fleet.url);
    const call = (name: string) =>
      post(
        fleet.url,
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: {} } },
        { 'mcp-session-id': session },
      );
    assert.equal(((await call('other_ping')).json?.error as { code: number }).code, -32003);
    assert.deepEqual((await call('lab_ping')).json?.result, { content: [{ type: 'text', text: 'pong' }] });
  });

  it('waits for the providers Kubernetes discovery lists at start', async () => {
    const kubeconfig = process.env.KUBECONFIG;
    assert.ok(kubeconfig, 'KUBECONFIG must point at the test API server (scripts/kube-env.sh up)');
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = `ready-${Math.random().toString(36).slice(2, 8)}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    cleanups.push(async () => {
      await core.deleteNamespace({ name: namespace });
    });
    const port = await freePort();
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: {
          name: 'everything',
          labels: { [PROVIDER_LABEL]: 'true' },
          annotations: { [ANNOTATION.prefix]: 'team' },
        },
        // The provider runs here: an ExternalName Service pointing at localhost reaches it.
        spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'grpc', port }] },
      },
    });
    const fleet = await startFleet([{ name: 'lab', definitions: [ping] }], {
      MCPFLEET_READY_TIMEOUT: '10m',
      MCPFLEET_DISCOVERY: 'kubernetes',
      MCPFLEET_DISCOVERY_KUBECONFIG: kubeconfig,
      MCPFLEET_DISCOVERY_NAMESPACES: namespace,
      MCPFLEET_DISCOVERY_EXTERNAL_NAMES: 'true',
    });
    cleanups.push(() => fleet.close());
    const waiting = await readyz(fleet);
    assert.equal(waiting.status, 503);
    assert.equal(provider(waiting, 'everything').state, 'starting');

    killAtEnd(startEverything(fleet, port));
    const ready = await firstReady(fleet);
    assert.equal(provider(ready, 'everything').state, 'up');
    assert.ok((await toolNames(fleet)).includes('team_echo'));
  });
});
