import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { FleetClient } from '../src/index.js';
import { PROTOCOLS, startTestFleet, type TestFleet } from './fleet.js';

const REDIS_URL = process.env.REDIS_URL;
/** Enough tries that only the call's deadline ends them. */
const PATIENT = { attempts: 1_000, baseMs: 50, maxMs: 300 };

/**
 * One FleetClient shared by many concurrent calls while its gateway is SIGTERMed and started
 * again on the same port. Sessions live in Redis, so the new gateway still knows the old one.
 */
describe('FleetClient across a gateway restart', () => {
  let fleet: TestFleet;
  before(async () => {
    assert.ok(REDIS_URL, 'REDIS_URL is not set: run `eval "$(bash scripts/test-env.sh up)"` first');
    fleet = await startTestFleet({ env: { REDIS_URL } });
  });
  after(async () => {
    await fleet?.close();
  });

  for (const edge of ['mcp', 'grpc'] as const)
    for (const { protocol, era } of PROTOCOLS)
      it(`every concurrent call during a SIGTERM and restart succeeds (${edge} edge, ${protocol})`, async () => {
        const url = edge === 'mcp' ? `${fleet.http}/mcp` : `grpc://${fleet.grpc}`;
        const client = await FleetClient.connect({ url, protocol, timeoutMs: 30_000, retry: PATIENT });
        try {
          const session = client.sessionId;
          const calls: Promise<string>[] = [];
          const send = (i: number) =>
            calls.push(
              client
                .callTool('ev_echo', { text: `call ${i}` })
                .then((r) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('')),
            );
          let restarted = false;
          const restart = (async () => {
            await sleep(200);
            await fleet.stopGateway();
            await fleet.startGateway();
            restarted = true;
          })();
          // Calls go on while the gateway drains, is down and comes back, and a few more after.
          for (let i = 0, after = 0; !restarted || after++ < 20; i++) {
            send(i);
            await sleep(10);
          }
          await restart;
          const answers = await Promise.allSettled(calls);
          const failed = answers.filter((a) => a.status === 'rejected');
          assert.deepEqual(
            failed.map((f) => String((f as PromiseRejectedResult).reason)),
            [],
            `${failed.length} of ${calls.length} calls failed`,
          );
          assert.deepEqual(
            answers.map((a) => (a as PromiseFulfilledResult<string>).value),
            calls.map((_, i) => `call ${i}`),
          );
          assert.equal(client.protocolEra, era);
          // The gateway keeps Streamable HTTP sessions in Redis: the restart must not cost a new one.
          if (edge === 'mcp' && era === 'legacy')
            assert.equal(client.sessionId, session, 'the session survived the restart');
          // A 2026 client has no session to keep.
          if (era === 'modern') assert.equal(client.sessionId, undefined);
        } finally {
          await client.close();
        }
      });

  for (const { protocol } of PROTOCOLS)
    it(`a call has one deadline across all its retries, and ends with a timeout error (${protocol})`, async () => {
      const client = await FleetClient.connect({ url: `${fleet.http}/mcp`, protocol, retry: PATIENT });
      await fleet.stopGateway();
      try {
        await assert.rejects(
          client.callTool('ev_echo', { text: 'into the void' }, { timeoutMs: 1_000 }),
          (err: unknown) => err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout,
        );
      } finally {
        await fleet.startGateway();
        await client.close();
      }
    });
});
