import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type ProviderProcess, spawnProvider, waitFor } from '@mcp-fleet/sdk/testing';
import { EVERYTHING } from './gateway-processes.js';
import { type Fleet, post, startFleet, type WatchedSession, watchedSession } from './support.js';

const textOf = (answer: Record<string, unknown> | undefined) =>
  (answer?.result as { content?: { text?: string }[] } | undefined)?.content?.[0]?.text ?? answer;

/** Real everything-provider processes behind one gateway target, restarted as an operator would. */
describe('provider restarts', () => {
  let fleet: Fleet;
  let watched: WatchedSession;
  const ports: number[] = [];
  const metricsPorts: number[] = [];
  const replicas: ProviderProcess[] = [];
  let id = 10;

  const start = (i: number) => {
    replicas[i] = spawnProvider(EVERYTHING, [], {
      MCPFLEET_LISTEN: `127.0.0.1:${ports[i]}`,
      MCPFLEET_METRICS_LISTEN: `127.0.0.1:${metricsPorts[i]}`,
      MCPFLEET_IDENTITY_JWKS: join(fleet.dir, 'jwks.json'),
      MCPFLEET_DRAIN_TIMEOUT: '1s',
    });
  };
  const up = () => fleet.gateway.registry.status().every((p) => p.up);
  const echo = async (text: string) => {
    id += 1;
    const { json } = await post(
      fleet.url,
      { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'ev_echo', arguments: { text } } },
      watched.headers(),
    );
    return json;
  };
  /** Calls this replica has answered, from its own metrics. */
  const callsServed = async (i: number): Promise<number> => {
    try {
      const text = await (await fetch(`http://127.0.0.1:${metricsPorts[i]}/metrics`)).text();
      const lines = text.split('\n').filter((l) => l.startsWith('mcpfleet_provider_calls_total{'));
      return lines.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    } catch {
      return 0;
    }
  };

  before(async () => {
    for (let i = 0; i < 2; i++) ports.push(await freePort());
    for (let i = 0; i < 2; i++) metricsPorts.push(await freePort());
    const target = `ipv4:${ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
    fleet = await startFleet([], {}, [
      { name: 'everything', target, prefix: 'ev', timeoutMs: 10_000, toolTimeoutsMs: {} },
    ]);
    // Replica 0 alone first, so that it is the one carrying the gateway's catalog stream.
    start(0);
    await waitFor(up, 'everything up', 15_000);
    watched = await watchedSession(fleet.url);
    start(1);
    // Replica 1 serves calls too once the channel has connected to it.
    for (let served = 0; served === 0; served = await callsServed(1)) await echo('spread');
  });
  after(async () => {
    watched?.close();
    for (const replica of replicas) replica?.child.kill('SIGKILL');
    await fleet?.close();
  });

  it('a provider rolling restart: the replica carrying the catalog stream drains, its tools stay listed', async () => {
    let removed = 0;
    const onChange = () => {
      if (!fleet.gateway.registry.catalog.toolList.some((t) => t.name === 'ev_echo')) removed += 1;
    };
    fleet.gateway.registry.on('listChanged', onChange);
    const draining = replicas[0] as ProviderProcess;
    draining.child.kill('SIGTERM');
    assert.equal(await draining.exited, 0);
    const answer = await echo('after the drain');
    fleet.gateway.registry.off('listChanged', onChange);
    assert.deepEqual(textOf(answer), 'after the drain');
    assert.equal(removed, 0, 'the tools were never removed');
    assert.ok(up(), 'the provider stayed up');
    assert.ok((await watched.toolNames()).includes('ev_echo'));
  });

  it('a provider killed and restarted 2.5 s later: its tools are back within seconds', async () => {
    const killed = replicas[1] as ProviderProcess;
    killed.child.kill('SIGKILL');
    await killed.exited;
    await waitFor(() => !up(), 'everything marked down', 10_000);
    await sleep(2_500);
    start(1);
    await waitFor(up, 'everything back up within 5 s of its restart', 5_000);
    const answer = await echo('back');
    assert.deepEqual(textOf(answer), 'back');
  });
});
