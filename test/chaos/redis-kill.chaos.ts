import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { type PrivateRedis, type SimpleFleet, simpleFleet } from './fleet.js';
import { dueBetween, underLoad } from './load.js';
import { echoCalls, loadAgent, openSessions } from './mcp-http.js';
import { judge, nothingLost, onlyErrors, recovered } from './results.js';

/**
 * The configured fail mode: rate limits fail open (the default), so a call whose session this
 * replica still holds goes through; a session that must be read from Redis cannot be, and the
 * request is refused with 503 + Retry-After (-32003) rather than held.
 */
const FAIL_MODE = `HTTP 503 ${ErrorCode.Unavailable}`;
const POLICY = `roles:
  local:
    tools: { allow: ["*"] }
    rateLimit: { perSecond: 10000, burst: 10000 }
`;

describe('chaos 5: Redis SIGKILLed and restarted under load', () => {
  let setup: SimpleFleet;
  let redis: PrivateRedis;
  const agent = loadAgent();

  before(async () => {
    setup = await simpleFleet('redis-kill', async (fleet) => {
      redis = await fleet.redis();
      const policyFile = join(fleet.dir, 'policy.yaml');
      await writeFile(policyFile, POLICY);
      return { redisUrl: redis.url, policyFile };
    });
  });
  after(async () => {
    await agent.close();
    await setup?.fleet.close();
  });

  it('fails in the configured mode while Redis is away, holds no call, and recovers once it is back', async () => {
    const { fleet, gateway } = setup;
    const sessions = await openSessions(agent, gateway.url, 16);
    const { load, chaos } = await underLoad(
      { rate: 100, durationMs: 13_000, call: echoCalls(sessions) },
      async (clock) => {
        await clock.at(2_000);
        const killedAt = clock.now();
        await redis.kill();
        // Longer than a replica trusts its cached copy of a session (5 s): the store itself is needed.
        await clock.at(9_000);
        await redis.start();
        const servingAt = clock.now();
        await fleet.ready(gateway);
        return { killedAt, servingAt, readyAgainAt: clock.now() };
      },
    );
    const outage = dueBetween(load.records, chaos.killedAt, chaos.servingAt);
    const recovery = recovered(load, chaos.servingAt, 'Redis is back');
    await judge(
      '5 Redis SIGKILL + restart (sessions, fail-open limits)',
      'the configured fail mode (503 + Retry-After, limits open), no stuck call, recovery within seconds',
      load,
      [
        nothingLost(load),
        onlyErrors(load, [FAIL_MODE], `every error is the configured refusal (${FAIL_MODE})`),
        {
          name: 'every call before the outage succeeds',
          pass: dueBetween(load.records, 0, chaos.killedAt).every((r) => r.result === 'ok'),
          detail: 'a call failed before Redis was killed',
        },
        ...recovery.checks,
      ],
      {
        'Redis away ms': `${Math.round(chaos.killedAt)}–${Math.round(chaos.servingAt)}`,
        'ok during the outage (cached sessions, limits open)': `${outage.filter((r) => r.result === 'ok').length}/${outage.length}`,
        'recovery after Redis is back ms': recovery.recoveryMs,
        '/readyz 200 again after ms': Math.round(chaos.readyAgainAt - chaos.servingAt),
      },
    );
  });
});
