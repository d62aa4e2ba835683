import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Limiter } from '../src/ratelimit/limiter.js';
import { MemoryLimiter } from '../src/ratelimit/memory-limiter.js';
import { RedisLimiter } from '../src/ratelimit/redis-limiter.js';
import { commandsDuring, redisUrl } from './redis-support.js';

// One call per 100 s: no bucket refills while a test runs, on a fixed or a real clock.
const slow = (burst: number) => ({ perSecond: 0.01, burst });

/** Rate limits and quotas are one all-or-nothing step: a call either refuses spends neither. */
function combinedCheck(limiterOf: () => Limiter) {
  it('a rate-limited call spends no quota', async () => {
    const limiter = limiterOf();
    const id = randomBytes(4).toString('hex');
    const rate = [{ key: `combined:${id}:rate`, limit: slow(1) }];
    const quota = [{ key: `combined:${id}:hour`, window: 'hour' as const, limit: 5 }];
    const first = await limiter.spend(rate, quota);
    assert.equal(first.rate.allowed, true);
    assert.deepEqual([first.quota?.allowed, first.quota?.used], [true, 1]);
    const refused = await limiter.spend(rate, quota);
    assert.equal(refused.rate.allowed, false);
    assert.equal(refused.quota, undefined, 'the quota is not looked at');
    assert.equal((await limiter.spend([], quota)).quota?.used, 2, 'the refused call counted nothing');
  });

  it('a call past its quota spends no rate limit, and the headers show the bucket untouched', async () => {
    const limiter = limiterOf();
    const id = randomBytes(4).toString('hex');
    const rate = [
      { key: `combined:${id}:rate`, limit: slow(5) },
      { key: `combined:${id}:tool`, limit: slow(3) },
    ];
    const quota = [
      { key: `combined:${id}:hour`, window: 'hour' as const, limit: 100 },
      { key: `combined:${id}:day`, window: 'day' as const, limit: 1 },
    ];
    const first = await limiter.spend(rate, quota);
    assert.deepEqual([first.rate.allowed, first.rate.limit, first.rate.remaining], [true, 3, 2]);
    for (let i = 0; i < 3; i++) {
      const refused = await limiter.spend(rate, quota);
      assert.deepEqual(
        [refused.quota?.allowed, refused.quota?.window, refused.quota?.limit, refused.quota?.used],
        [false, 'day', 1, 1],
      );
      assert.deepEqual([refused.rate.allowed, refused.rate.limit, refused.rate.remaining], [true, 3, 2]);
    }
    const next = await limiter.spend(rate, quota.slice(0, 1));
    assert.equal(next.rate.remaining, 1, 'the tool bucket lost one call, to the first, not to the refused');
    assert.equal(next.quota?.used, 2, 'nor the hour window');
  });

  it('with no keys every call is allowed and spends nothing', async () => {
    const decision = await limiterOf().spend([], []);
    assert.equal(decision.rate.allowed, true);
    assert.equal(decision.quota?.allowed, true);
  });
}

describe('rate limits and quotas in one step, in memory', () => {
  combinedCheck(() => new MemoryLimiter(() => 5_000_000));
});

describe('rate limits and quotas in one step, in one Redis round trip', () => {
  const redis = new Redis(redisUrl(), { keyPrefix: `mcpfleet-test-${randomBytes(4).toString('hex')}:` });
  after(() => redis.disconnect());
  const limiter = new RedisLimiter(
    redis,
    { rateFailOpen: false, quotaFailOpen: false, onOutage: () => assert.fail('Redis is up') },
    pino({ level: 'silent' }),
  );
  combinedCheck(() => limiter);

  it('sends one command per call', async () => {
    const id = randomBytes(4).toString('hex');
    const ran = await commandsDuring(redis, () =>
      limiter.spend(
        [{ key: `combined:${id}:rate`, limit: slow(2) }],
        [{ key: `combined:${id}:hour`, window: 'hour', limit: 2 }],
      ),
    );
    const ofThisCall = ran.filter((args) => args.some((a) => a.includes(id)));
    assert.deepEqual(
      ofThisCall.map((args) => args[0]?.toLowerCase()).filter((c) => c === 'evalsha' || c === 'eval').length,
      1,
    );
  });
});
