import { after, before, describe, it } from 'node:test';
import { freePort } from '@mcp-fleet/sdk/testing';
import { Fleet, type FleetProcess, type Gateway } from './fleet.js';
import { underLoad } from './load.js';
import { echoCalls, loadAgent, openSessions } from './mcp-http.js';
import { judge, noErrors, nothingLost } from './results.js';

/**
 * Two replicas of one provider behind one target, as a headless Service's DNS name gives the
 * gateway every pod address: grpc-js's `ipv4:` list resolves to both ports and the gateway's
 * channel round-robins over them. A rolling update with maxSurge 0 / maxUnavailable 1: SIGTERM
 * one replica (it drains), start its successor on the same address, then the other one.
 */
describe('chaos 2: a provider rolling restart under load', () => {
  let fleet: Fleet;
  let gateway: Gateway;
  const ports: number[] = [];
  const replicas: FleetProcess[] = [];
  const agent = loadAgent();

  before(async () => {
    fleet = await Fleet.create('provider-rolling');
    ports.push(await freePort(), await freePort());
    gateway = await fleet.gateway({
      providers: [{ name: 'everything', target: `ipv4:${ports.map((p) => `127.0.0.1:${p}`).join(',')}` }],
    });
    for (const port of ports) replicas.push(await fleet.provider(port));
    await fleet.ready(gateway);
  });
  after(async () => {
    await agent.close();
    await fleet?.close();
  });

  it('answers every call to an idempotent tool while each replica drains and is replaced', async () => {
    const sessions = await openSessions(agent, gateway.url, 8);
    const drainExits: (number | null)[] = [];
    const { load, chaos } = await underLoad(
      { rate: 150, durationMs: 10_000, call: echoCalls(sessions) },
      async (clock) => {
        const steps: string[] = [];
        await clock.at(1_500);
        for (const [i, port] of ports.entries()) {
          const old = replicas[i] as FleetProcess;
          steps.push(`SIGTERM ${old.name} at ${Math.round(clock.now())}`);
          drainExits.push(await old.stop('SIGTERM'));
          steps.push(`exited at ${Math.round(clock.now())}`);
          replicas[i] = await fleet.provider(port);
          steps.push(`successor serving at ${Math.round(clock.now())}`);
          await clock.at(clock.now() + 1_500);
        }
        return steps;
      },
    );
    await judge(
      '2 provider rolling restart (2 replicas, SIGTERM drain)',
      'zero failed calls for an idempotent tool',
      load,
      [
        nothingLost(load),
        noErrors(load),
        {
          name: 'each old replica drained and exited 0',
          pass: drainExits.every((code) => code === 0),
          detail: `exit codes ${JSON.stringify(drainExits)}`,
        },
      ],
      { steps: chaos.join(', ') },
    );
  });
});
