import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { LeasingLimiter } from '../src/ratelimit/leases.js';
import type { Leaser, LimitDecision, Limiter, QuotaKey, RateKey } from '../src/ratelimit/limiter.js';
import { RedisLimiter } from '../src/ratelimit/redis-limiter.js';
import { commandsDuring, redisUrl } from './redis-support.js';

// One call per 100 s: no bucket refills while a test runs.
const slow = (burst: number) => ({ perSecond: 0.01, burst });

/** Leases: limits checked in Redis once per several calls, never letting more through than they hold. */
describe('rate limits and quotas leased from Redis', () => {
  const prefix = `mcpfleet-test-${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(redisUrl(), { keyPrefix: prefix });
  after(() => redis.disconnect());
  const redisLimiter = () =>
    new RedisLimiter(
      redis,
      { rateFailOpen: false, quotaFailOpen: false, onOutage: () => assert.fail('Redis is up') },
      pino({ level: 'silent' }),
    );
  const keys = (burst: number, perHour: number): [RateKey[], QuotaKey[]] => {
    const id = randomBytes(4).toString('hex');
    return [
      [{ key: `lease:${id}:rate`, limit: slow(burst) }],
      [{ key: `lease:${id}:hour`, window: 'hour', limit: perHour }],
    ];
  };

  /** Counts the limit scripts Redis runs for this suite while `work` runs. */
  async function scripts(work: () => Promise<void>): Promise<number> {
    const ran = await commandsDuring(redis, work);
    return ran.filter((args) => /^eval/i.test(args[0] ?? '') && args.some((a) => a.startsWith(prefix)))
      .length;
  }

  it('a roomy limit is checked once per lease, and the headers count the calls still leased', async () => {
    const limiter = new LeasingLimiter(redisLimiter(), 64);
    const [rate, quota] = keys(100_000, 100_000);
    const decisions: LimitDecision[] = [];
    const ran = await scripts(async () => {
      for (let i = 0; i < 256; i++) decisions.push(await limiter.spend(rate, quota));
    });
    assert.ok(decisions.every((d) => d.rate.allowed && d.quota?.allowed));
    assert.equal(ran, 10, '256 calls: leases of 1, 2, 4 … 64 as the calls come fast');
    assert.deepEqual(
      decisions.slice(0, 3).map((d) => [d.rate.remaining, d.quota?.used]),
      [
        [99_999, 1],
        [99_998, 2],
        [99_997, 3],
      ],
    );
  });

  it('two replicas leasing at once never pass more calls than a bucket or a quota holds', async () => {
    for (const [burst, perHour] of [
      [320, 1_000_000],
      [1_000_000, 320],
    ] as const) {
      const [rate, quota] = keys(burst, perHour);
      const replicas = [new LeasingLimiter(redisLimiter(), 64), new LeasingLimiter(redisLimiter(), 64)];
      let allowed = 0;
      await Promise.all(
        replicas.flatMap((replica) =>
          Array.from({ length: 16 }, async () => {
            for (let i = 0; i < 40; i++) {
              const { rate: r, quota: q } = await replica.spend(rate, quota);
              if (r.allowed && q?.allowed) allowed++;
            }
          }),
        ),
      );
      assert.ok(allowed <= 320, `${allowed} calls passed a limit of 320`);
      // What a replica still holds when the other is refused is all that may go unused.
      assert.ok(allowed >= 320 - 2 * (320 / 16), `${allowed} calls passed: leases took too much`);
    }
  });

  it('a small limit gets leases of one: every call is checked, the call past it refused', async () => {
    const limiter = new LeasingLimiter(redisLimiter(), 64);
    const [rate, quota] = keys(5, 1000);
    const outcomes: boolean[] = [];
    const ran = await scripts(async () => {
      for (let i = 0; i < 6; i++) outcomes.push((await limiter.spend(rate, quota)).rate.allowed);
    });
    assert.deepEqual(outcomes, [true, true, true, true, true, false]);
    assert.equal(ran, 6);
  });

  it('concurrent calls on a small limit: each checked once, exactly the burst passes', async () => {
    const limiter = new LeasingLimiter(redisLimiter(), 64);
    const [rate, quota] = keys(5, 1000);
    let allowed = 0;
    const ran = await scripts(async () => {
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          if ((await limiter.spend(rate, quota)).rate.allowed) allowed++;
        }),
      );
    });
    assert.equal(allowed, 5);
    assert.equal(ran, 16, 'no call asked twice, none skipped the check');
  });

  it('leased calls not made within a second are void', async () => {
    let now = Date.now();
    const limiter = new LeasingLimiter(redisLimiter(), 64, () => now);
    const [rate, quota] = keys(100_000, 100_000);
    const countAt = async (at: number) => {
      now = at;
      return scripts(async () => {
        await limiter.spend(rate, quota);
      });
    };
    const start = now;
    assert.equal(await countAt(start), 1, 'a first call is checked alone');
    assert.equal(await countAt(start), 1, 'a second at once takes a lease');
    assert.equal(await countAt(start + 999), 0, 'the next is leased');
    assert.equal(await countAt(start + 1000), 1, 'a second on, the lease is void');
  });

  it('calls leased and not made are given back to the quota with the next lease', async () => {
    let now = Date.now();
    const limiter = new LeasingLimiter(redisLimiter(), 64, () => now);
    const [rate, quota] = keys(100_000, 100_000);
    for (let i = 0; i < 8; i++) await limiter.spend(rate, quota);
    now += 2_000;
    const after = await limiter.spend(rate, quota);
    assert.equal(after.quota?.used, 9, 'nine calls made, nine counted');
  });

  it('a caller calling now and then is checked on every call and loses nothing', async () => {
    let now = Date.now();
    const limiter = new LeasingLimiter(redisLimiter(), 64, () => now);
    const [rate, quota] = keys(100_000, 1000);
    const used: number[] = [];
    const ran = await scripts(async () => {
      for (let i = 0; i < 50; i++) {
        now += 10_000;
        used.push((await limiter.spend(rate, quota)).quota?.used ?? 0);
      }
    });
    assert.equal(ran, 50);
    assert.deepEqual(
      used,
      Array.from({ length: 50 }, (_, i) => i + 1),
      'the quota counts calls made, no more',
    );
  });

  it('a long key (a long resource URI in a per-target limit) is never kept', async () => {
    const limiter = new LeasingLimiter(redisLimiter(), 64);
    const [, quota] = keys(100_000, 100_000);
    const rate: RateKey[] = [{ key: `lease:${'x'.repeat(600)}`, limit: slow(100_000) }];
    const ran = await scripts(async () => {
      for (let i = 0; i < 10; i++) await limiter.spend(rate, quota);
    });
    assert.equal(ran, 10);
  });

  it('a changed limit (a policy reload) starts a new lease', async () => {
    const limiter = new LeasingLimiter(redisLimiter(), 64);
    const [rate, quota] = keys(100_000, 100_000);
    await limiter.spend(rate, quota);
    const tighter: RateKey[] = rate.map((k) => ({ ...k, limit: slow(1) }));
    const ran = await scripts(async () => {
      const decision = await limiter.spend(tighter, quota);
      assert.equal(decision.rate.allowed, false, 'the tighter bucket is already spent');
    });
    assert.equal(ran, 1);
  });

  it('a bucket of 20,000 calls a second keeps its 0.05 ms steps (14 digits dropped them)', async () => {
    const limiter = new LeasingLimiter(redisLimiter(), 1);
    const key = `lease:${randomBytes(4).toString('hex')}:fast`;
    await limiter.spend([{ key, limit: { perSecond: 20_000, burst: 100 } }], []);
    const stored = Number(await redis.get(key));
    assert.ok(Math.abs((stored % 1) - 0.05) < 1e-3, `stored ${stored}: the step of 0.05 ms was rounded away`);
  });

  it('with a lease size of one, every call is one round trip', async () => {
    const limiter = new LeasingLimiter(redisLimiter(), 1);
    const [rate, quota] = keys(100_000, 100_000);
    const ran = await scripts(async () => {
      for (let i = 0; i < 10; i++) await limiter.spend(rate, quota);
    });
    assert.equal(ran, 10);
  });
});

describe('a lease and its quota window', () => {
  it("ends when the window that paid for it ends, on the limiter's clock", async () => {
    let now = 1_000_000;
    const asked: number[] = [];
    const refunds: number[] = [];
    const source: Leaser & Limiter = {
      spend: async () => assert.fail('leases only'),
      lease: async (_rate, _quota, want, _share, refund) => {
        asked.push(want);
        refunds.push(refund.calls);
        return {
          decision: { rate: { allowed: true, retryAfterMs: 0, limit: 0, remaining: 0, resetMs: 0 } },
          granted: want,
          windowLeftMs: 300,
          paidAt: 0,
        };
      },
    };
    const limiter = new LeasingLimiter(source, 64, () => now);
    const quota: QuotaKey[] = [{ key: 'q', window: 'hour', limit: 1_000_000 }];
    for (let i = 0; i < 4; i++) await limiter.spend([], quota);
    now += 299;
    await limiter.spend([], quota);
    now += 1;
    await limiter.spend([], quota);
    // Leases of 1, 2, then 4 (the caller used what it had): two of the four made by 300 ms.
    assert.deepEqual(asked, [1, 2, 4, 3], 'leased until 300 ms, asked again at 300');
    assert.deepEqual(refunds, [0, 0, 0, 2], 'the two calls not made are given back');
  });
});
