import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, waitFor } from '@mcp-fleet/sdk/testing';
import { collectGarbage, inspectable } from './collect-garbage.js';
import { type Gateway, type SimpleFleet, simpleFleet } from './fleet.js';
import { underLoad } from './load.js';
import { echoCalls, loadAgent, openSessions } from './mcp-http.js';
import { type IdleClients, LegacySseClient, openIdleClients } from './raw-clients.js';
import { judge, noErrors, nothingLost } from './results.js';

const IDLE_CLIENTS = 10_000;
/** What one idle client may cost: a session (20 KB) plus an open stream (30 KB), DESIGN §7's targets. */
const IDLE_BUDGET_BYTES = 50 * 1024;
/** Echo answers of this size pumped into the stream of a client that never reads it. */
const ANSWER_BYTES = 1_000_000;
const ANSWERS = 384;
/** Answers a reading client gets first, so the heap has grown to what 1 MB answers need. */
const CONTROL_ANSWERS = 32;
/**
 * What the gateway may hold for one stream nobody reads: a per-stream buffer cap (the WebSocket
 * edge closes a client at 8 MB) with room for the heap's own swings; far below the 384 MB the
 * slow client is sent.
 */
const SLOW_STREAM_BUDGET_BYTES = 64 * 1024 * 1024;
const MB = 1024 * 1024;

/** Posts echo calls at `perSecond`; resolves with how many the gateway took (202). */
async function pump(client: LegacySseClient, count: number, perSecond: number): Promise<number> {
  const text = 'x'.repeat(ANSWER_BYTES);
  const statuses: Promise<number>[] = [];
  for (let id = 1; id <= count; id++) {
    statuses.push(
      client
        .post({ id, method: 'tools/call', params: { name: 'everything_echo', arguments: { text } } })
        .catch(() => 0),
    );
    await sleep(1000 / perSecond);
  }
  return (await Promise.all(statuses)).filter((status) => status === 202).length;
}

/**
 * The gateway's resident memory once a full collection has run and it stopped moving (two samples
 * 500 ms apart within 2 MB): what it holds, not the garbage of the last burst.
 */
async function settledRss(gateway: Gateway, inspectorPort: number): Promise<number> {
  await collectGarbage(inspectorPort);
  let previous = await gateway.rssBytes();
  for (let i = 0; i < 20; i++) {
    await sleep(500);
    const current = await gateway.rssBytes();
    if (Math.abs(current - previous) < 2 * MB) return current;
    previous = current;
  }
  return previous;
}

describe('chaos 6: a client that never reads its SSE stream, and 10,000 idle clients', () => {
  let setup: SimpleFleet;
  let idle: IdleClients | undefined;
  const legacy: LegacySseClient[] = [];
  const agent = loadAgent();
  let inspectorPort: number;

  before(async () => {
    inspectorPort = await freePort();
    setup = await simpleFleet('slow-clients', async () => ({ env: inspectable(inspectorPort) }));
  });
  after(async () => {
    idle?.close();
    for (const client of legacy) client.close();
    await agent.close();
    await setup?.fleet.close();
  });

  it('keeps memory bounded and other clients served', async () => {
    const { gateway } = setup;
    // 16 sessions, ~6 calls/s each: the 10,000 idle clients connecting can stall the gateway for
    // ~2 s on 2 cores, which at 25 calls/s on each of 4 sessions piled more than a session's 32 in
    // flight and the gateway refused them (-32005, its own backpressure, not the slow clients').
    const sessions = await openSessions(agent, gateway.url, 16);
    const { load, chaos } = await underLoad(
      { rate: 100, durationMs: 30_000, call: echoCalls(sessions) },
      async (clock) => {
        const before = await settledRss(gateway, inspectorPort);
        const idleStart = clock.now();
        idle = await openIdleClients(gateway.port, IDLE_CLIENTS);
        const idleOpenMs = clock.now() - idleStart;
        const withIdle = await settledRss(gateway, inspectorPort);
        // The same traffic from a client that reads first: the heap grows to what 1 MB answers need.
        const reader = await LegacySseClient.open(gateway.port, true);
        legacy.push(reader);
        await reader.start();
        await pump(reader, CONTROL_ANSWERS, 32);
        await waitFor(
          () => reader.answers > CONTROL_ANSWERS,
          'the reading client to get every answer',
          60_000,
        );
        const withReader = await settledRss(gateway, inspectorPort);
        const slow = await LegacySseClient.open(gateway.port, false);
        legacy.push(slow);
        await slow.start();
        const taken = await pump(slow, ANSWERS, 32);
        const withSlow = await settledRss(gateway, inspectorPort);
        return { before, withIdle, withReader, withSlow, idleOpenMs, taken, idleStillOpen: idle.open() };
      },
    );
    const perIdle = (chaos.withIdle - chaos.before) / IDLE_CLIENTS;
    const slowGrowth = chaos.withSlow - chaos.withReader;
    await judge(
      '6 slow SSE reader + 10,000 idle clients',
      'bounded gateway memory; the other clients unaffected',
      load,
      [
        nothingLost(load),
        noErrors(load),
        {
          name: `every idle client's stream stayed open`,
          pass: chaos.idleStillOpen === IDLE_CLIENTS,
          detail: `${chaos.idleStillOpen} of ${IDLE_CLIENTS} open`,
        },
        {
          name: `an idle client costs at most ${IDLE_BUDGET_BYTES / 1024} KB`,
          pass: perIdle <= IDLE_BUDGET_BYTES,
          detail: `${Math.round(perIdle / 1024)} KB each`,
        },
        {
          name: `a stream nobody reads holds at most ${SLOW_STREAM_BUDGET_BYTES / MB} MB`,
          pass: slowGrowth <= SLOW_STREAM_BUDGET_BYTES,
          detail: `RSS grew ${Math.round(slowGrowth / MB)} MB while ${chaos.taken} answers of ${ANSWER_BYTES / 1e6} MB went into the unread stream`,
        },
      ],
      {
        'RSS before MB': Math.round(chaos.before / MB),
        'with 10,000 idle clients MB': Math.round(chaos.withIdle / MB),
        'after a reading client got the same traffic MB': Math.round(chaos.withReader / MB),
        'per idle client KB': Math.round(perIdle / 1024),
        'opening them took ms': Math.round(chaos.idleOpenMs),
        'after the unread stream MB': Math.round(chaos.withSlow / MB),
        'answers sent into the unread stream': chaos.taken,
      },
    );
  });
});
