import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FleetClient } from '@mcp-fleet/client';
import { freePort } from '@mcp-fleet/sdk/testing';
import { Balancer } from './balancer.js';
import { Fleet, type Gateway, type GatewayOptions, sharedRedisUrl } from './fleet.js';
import { underLoad } from './load.js';
import type { Outcome } from './mcp-http.js';
import { judge, noErrors, nothingLost } from './results.js';

const CLIENTS = 8;
/** The fleet client's own budget per call, its retries included. */
const CALL_TIMEOUT_MS = 10_000;
/** How long a terminating replica still receives new connections (endpoint propagation). */
const ENDPOINT_LAG_MS = 250;

/** A fleet client's failure as an Outcome: the JSON-RPC code when there is one, else what it said. */
function failure(err: unknown): Outcome {
  const error = err as { code?: unknown; name?: string; message?: string };
  const code = typeof error.code === 'number' ? String(error.code) : (error.name ?? 'Error');
  return { ok: false, code, message: String(error.message), network: false };
}

/**
 * Gateway replicas behind a Service-like balancer, sharing the test Redis; the clients are the
 * fleet client (@mcp-fleet/client), which waits out a 503's Retry-After and retries an idempotent
 * call whose connection failed. A rolling update with maxSurge 1: start the successor, wait until
 * it is ready, add it to the endpoints, SIGTERM the old replica and take it out of the endpoints
 * a moment later, wait for its exit; then the next one.
 */
describe('chaos 4: a gateway rolling restart (SIGTERM drain) under load', () => {
  let fleet: Fleet;
  let balancer: Balancer;
  let options: GatewayOptions;
  let live: Gateway[];
  const clients: FleetClient[] = [];
  const retries: Record<string, number> = {};

  before(async () => {
    fleet = await Fleet.create('gateway-rolling');
    const providerPort = await freePort();
    options = {
      providers: [{ name: 'everything', target: `127.0.0.1:${providerPort}` }],
      redisUrl: sharedRedisUrl(),
    };
    live = [await fleet.gateway(options), await fleet.gateway(options)];
    await fleet.provider(providerPort);
    for (const gateway of live) await fleet.ready(gateway);
    balancer = await Balancer.start();
    balancer.setBackends(live.map((g) => g.port));
    for (let i = 0; i < CLIENTS; i++) {
      clients.push(
        await FleetClient.connect({
          url: `${balancer.url}/mcp`,
          name: `chaos-${i}`,
          timeoutMs: CALL_TIMEOUT_MS,
          onRetry: ({ error }) => {
            const reason = String((error as Error).message).slice(0, 60);
            retries[reason] = (retries[reason] ?? 0) + 1;
          },
        }),
      );
    }
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await balancer?.close();
    await fleet?.close();
  });

  it('answers every call of clients that honour Retry-After while each replica drains and is replaced', async () => {
    const exits: (number | null)[] = [];
    const call = async (i: number, signal: AbortSignal): Promise<Outcome> => {
      try {
        const result = await (clients[i % CLIENTS] as FleetClient).callTool(
          'everything_echo',
          { text: `call ${i}` },
          { signal },
        );
        return result.isError ? { ok: false, code: 'tool error', message: '', network: false } : { ok: true };
      } catch (err) {
        return failure(err);
      }
    };
    const { load, chaos } = await underLoad(
      { rate: 100, durationMs: 14_000, deadlineMs: CALL_TIMEOUT_MS, call },
      async (clock) => {
        const steps: string[] = [];
        await clock.at(1_500);
        for (let step = 0; step < 2; step++) {
          const old = live[0] as Gateway;
          const successor = await fleet.gateway(options);
          await fleet.ready(successor);
          live = [...live.slice(1), successor];
          balancer.setBackends([old, ...live].map((g) => g.port));
          steps.push(`${successor.name} ready at ${Math.round(clock.now())}`);
          const exited = old.stop('SIGTERM');
          steps.push(`SIGTERM ${old.name} at ${Math.round(clock.now())}`);
          await sleep(ENDPOINT_LAG_MS);
          balancer.setBackends(live.map((g) => g.port));
          exits.push(await exited);
          steps.push(`exited at ${Math.round(clock.now())}`);
        }
        return steps;
      },
    );
    const retried = Object.values(retries).reduce((a, b) => a + b, 0);
    await judge(
      '4 gateway rolling restart (SIGTERM drain, fleet client)',
      'zero failed calls for clients that honour Retry-After',
      load,
      [
        nothingLost(load),
        noErrors(load),
        {
          name: 'each old replica drained and exited 0',
          pass: exits.length === 2 && exits.every((code) => code === 0),
          detail: `exit codes ${JSON.stringify(exits)}`,
        },
      ],
      { steps: chaos.join(', '), 'client retries': `${retried} ${JSON.stringify(retries)}` },
    );
  });
});
