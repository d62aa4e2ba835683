import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { type SimpleFleet, simpleFleet } from './fleet.js';
import { dueBetween, underLoad } from './load.js';
import { loadAgent, type McpSession, openSessions } from './mcp-http.js';
import { judge, nothingLost, onlyErrors, recovered } from './results.js';

/** Errors a caller can act on: the provider is unavailable, or the call ran out of time. */
const CLEAR = [String(ErrorCode.Unavailable), String(ErrorCode.Timeout)];

describe('chaos 1: a provider SIGKILLed under load', () => {
  let setup: SimpleFleet;
  const agent = loadAgent();

  before(async () => {
    setup = await simpleFleet('provider-kill');
  });
  after(async () => {
    await agent.close();
    await setup?.fleet.close();
  });

  it('answers every in-flight call with a clear error within its deadline and serves again after a restart', async () => {
    const { fleet, gateway, providerPort } = setup;
    const sessions = await openSessions(agent, gateway.url, 8);
    // A third of the calls stream progress for ~100 ms, so calls are in flight when the provider dies.
    const call = (i: number, signal: AbortSignal) => {
      const session = sessions[i % sessions.length] as McpSession;
      return i % 3 === 0
        ? session.callTool('everything_test_tool_with_progress', {}, { signal, meta: { progressToken: i } })
        : session.callTool('everything_echo', { text: `call ${i}` }, { signal });
    };
    // The load runs on for 8 s after the restart: recovery "within seconds".
    const { load, chaos } = await underLoad({ rate: 150, durationMs: 12_000, call }, async (clock) => {
      await clock.at(2_000);
      const killedAt = clock.now();
      await setup.provider.stop('SIGKILL');
      await clock.at(4_000);
      const restartedAt = clock.now();
      setup.provider = await fleet.provider(providerPort);
      return { killedAt, restartedAt, servingAt: clock.now() };
    });
    const recovery = recovered(load, chaos.restartedAt, 'the restart');
    const inFlightAtKill = load.records.filter(
      (r) => r.dueMs < chaos.killedAt && r.endMs >= chaos.killedAt && r.result !== 'ok',
    );
    await judge(
      '1 provider SIGKILL + restart',
      'every call answered within its deadline with a clear error; ok again after the restart',
      load,
      [
        nothingLost(load),
        onlyErrors(load, CLEAR, 'every error is clear (-32003 unavailable or -32004 timeout)'),
        {
          name: 'the provider was serving before the kill',
          pass: dueBetween(load.records, 0, chaos.killedAt).some((r) => r.result === 'ok'),
          detail: 'no call succeeded before the kill',
        },
        ...recovery.checks,
      ],
      {
        'recovery after the restart ms': recovery.recoveryMs,
        'recovery after the kill ms':
          recovery.recoveryMs === 'never'
            ? 'never'
            : Math.round(recovery.recoveryMs + chaos.restartedAt - chaos.killedAt),
        'provider restart took ms': Math.round(chaos.servingAt - chaos.restartedAt),
        'in flight at the kill, answered with an error': inFlightAtKill.length,
      },
    );
  });
});
