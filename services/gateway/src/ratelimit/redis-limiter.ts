import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  ALLOWED,
  type Grant,
  gcraParameters,
  type Leaser,
  type LimitDecision,
  type Limiter,
  NO_REFUND,
  type QuotaDecision,
  type QuotaKey,
  type RateDecision,
  type RateKey,
  type Refund,
  UNLIMITED,
  WINDOW_MS,
} from './limiter.js';

/**
 * GCRA buckets, then fixed-window quotas, on Redis' clock so every replica agrees: every bucket
 * and every window is checked before any is spent, in one atomic script (one round trip per call).
 * A call may ask for up to `want` calls at once (a lease, see leases.ts): it is granted at least
 * one, and at most 1/`share` of what the emptiest bucket or window still holds, or refused. The
 * calls of an earlier lease of these keys that were never made are given back first: to the
 * buckets (never past full) and to the quota windows still the ones that paid.
 * KEYS: the rate keys, then the quota keys. ARGV: the number of rate keys; per rate key interval,
 * tolerance, burst; per quota key limit, window ms; last, want, share, the calls given back and the
 * Redis time they were paid at. Returns {allowed, retryAfterMs, limit, remaining, resetMs} when a
 * bucket refuses, else that (the tightest bucket) followed by {allowed, failedIndex, used,
 * resetMs} of the quotas and, when allowed, the calls granted, the ms until the first of the
 * call's quota windows ends (0: none) and Redis' time. GCRA times are written with 17 digits:
 * Lua's tostring keeps 14, a tenth of a ms at today's epoch, too coarse past 10,000/s.
 */
const LIMITS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nrate = tonumber(ARGV[1])
local q0 = 1 + 3 * nrate
local grant = tonumber(ARGV[#ARGV - 3])
local share = tonumber(ARGV[#ARGV - 2])
local refund = tonumber(ARGV[#ARGV - 1])
local paidAt = tonumber(ARGV[#ARGV])
local function store(i, tat)
  redis.call('SET', KEYS[i], string.format('%.17g', tat), 'PX', math.ceil(tat - now) + 1000)
end
if refund > 0 then
  for i = 1, nrate do
    local tat = tonumber(redis.call('GET', KEYS[i]))
    if tat and tat > now then
      store(i, math.max(now, tat - refund * tonumber(ARGV[3 * i - 1])))
    end
  end
  for j = 1, #KEYS - nrate do
    local window = tonumber(ARGV[q0 + 2 * j])
    if math.floor(paidAt / window) == math.floor(now / window) then
      local key = KEYS[nrate + j] .. ':' .. math.floor(now / window)
      local count = tonumber(redis.call('GET', key)) or 0
      if count > 0 then redis.call('DECRBY', key, math.min(refund, count)) end
    end
  end
end
local function cap(headroom)
  local most = math.max(1, math.floor(headroom / share))
  if most < grant then grant = most end
end
local tats = {}
for i = 1, nrate do
  local interval = tonumber(ARGV[3 * i - 1])
  local tolerance = tonumber(ARGV[3 * i])
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  if tat - now > tolerance then
    return {0, math.ceil(tat - now - tolerance), tonumber(ARGV[3 * i + 1]), 0, math.ceil(tat - now)}
  end
  cap(math.floor((tolerance - (tat - now)) / interval) + 1)
  tats[i] = tat
end
local function tightest(spend)
  local best = {1, 0, 0, -1, 0}
  for i = 1, nrate do
    local interval = tonumber(ARGV[3 * i - 1])
    local burst = tonumber(ARGV[3 * i + 1])
    local tat = tats[i]
    if spend then
      tat = tat + interval * spend
      store(i, tat)
    end
    local remaining = burst - math.ceil((tat - now) / interval)
    if remaining < 0 then remaining = 0 end
    if best[4] < 0 or remaining < best[4] then best = {1, 0, burst, remaining, math.ceil(tat - now)} end
  end
  if best[4] < 0 then best[4] = 0 end
  return best
end
local keys = {}
local counts = {}
for j = 1, #KEYS - nrate do
  local limit = tonumber(ARGV[q0 + 2 * j - 1])
  local window = tonumber(ARGV[q0 + 2 * j])
  keys[j] = KEYS[nrate + j] .. ':' .. math.floor(now / window)
  counts[j] = tonumber(redis.call('GET', keys[j])) or 0
  if counts[j] >= limit then
    local r = tightest(false)
    return {r[1], r[2], r[3], r[4], r[5], 0, j, counts[j], window - (now % window)}
  end
  cap(limit - counts[j])
end
local r = tightest(grant)
local soonest = 0
for j = 1, #keys do
  local window = tonumber(ARGV[q0 + 2 * j])
  redis.call('INCRBY', keys[j], grant)
  redis.call('PEXPIRE', keys[j], window + 60000)
  local left = window - (now % window)
  if soonest == 0 or left < soonest then soonest = left end
end
if #keys == 0 then return {r[1], r[2], r[3], r[4], r[5], 1, 0, 0, 0, grant, 0, now} end
local window = tonumber(ARGV[q0 + 2])
return {r[1], r[2], r[3], r[4], r[5], 1, 0, counts[1] + grant, window - (now % window), grant, soonest, now}
`;

/** The script's reply as a decision on the call's rate limits and quotas. */
function decisionOf(reply: number[], quotaKeys: QuotaKey[]): LimitDecision {
  const [allowed, retryAfterMs, limit, remaining, resetMs, quotaAllowed, failed, used, quotaResetMs] = reply;
  const rate: RateDecision = {
    allowed: allowed === 1,
    retryAfterMs: retryAfterMs ?? 0,
    limit: limit ?? 0,
    remaining: remaining ?? 0,
    resetMs: resetMs ?? 0,
  };
  if (!rate.allowed) return { rate };
  const key = quotaKeys[Math.max(0, (failed ?? 1) - 1)];
  if (!key) return { rate, quota: UNLIMITED };
  const quota: QuotaDecision =
    quotaAllowed === 1
      ? {
          allowed: true,
          limit: (quotaKeys[0] as QuotaKey).limit,
          used: used ?? 0,
          resetMs: quotaResetMs ?? 0,
        }
      : {
          allowed: false,
          window: key.window,
          limit: key.limit,
          used: used ?? 0,
          resetMs: quotaResetMs ?? 0,
        };
  return { rate, quota };
}

type LimiterRedis = Redis & {
  mcpfleetLimits(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
};

export interface RedisLimiterOptions {
  /** When Redis cannot answer: let rate-limited calls through (default) or refuse them. */
  rateFailOpen: boolean;
  /** When Redis cannot answer: let quota-limited calls through, or refuse them (default). */
  quotaFailOpen: boolean;
  onOutage: (what: 'rate' | 'quota', failOpen: boolean) => void;
}

/** Limits shared by every replica: one atomic script per call, loaded once (EVALSHA). */
export class RedisLimiter implements Limiter, Leaser {
  private readonly redis: LimiterRedis;
  private down = false;

  constructor(
    redis: Redis,
    private readonly options: RedisLimiterOptions,
    private readonly logger: Logger,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once if the script cache was flushed.
    redis.defineCommand('mcpfleetLimits', { lua: LIMITS });
    this.redis = redis as LimiterRedis;
  }

  async spend(rateKeys: RateKey[], quotaKeys: QuotaKey[]): Promise<LimitDecision> {
    return (await this.lease(rateKeys, quotaKeys, 1, 1, NO_REFUND)).decision;
  }

  async lease(
    rateKeys: RateKey[],
    quotaKeys: QuotaKey[],
    want: number,
    share: number,
    refund: Refund,
  ): Promise<Grant> {
    if (rateKeys.length === 0 && quotaKeys.length === 0)
      return { decision: { rate: ALLOWED, quota: UNLIMITED }, granted: want, windowLeftMs: 0, paidAt: 0 };
    let reply: number[];
    try {
      reply = await this.redis.mcpfleetLimits(
        rateKeys.length + quotaKeys.length,
        ...rateKeys.map((k) => k.key),
        ...quotaKeys.map((k) => k.key),
        rateKeys.length,
        ...rateKeys.flatMap(({ limit }) => {
          const { interval, tolerance } = gcraParameters(limit);
          return [interval, tolerance, limit.burst];
        }),
        ...quotaKeys.flatMap((k) => [k.limit, WINDOW_MS[k.window]]),
        want,
        share,
        refund.calls,
        refund.paidAt,
      );
    } catch (err) {
      return {
        decision: this.unavailable(rateKeys, quotaKeys, err as Error),
        granted: 0,
        windowLeftMs: 0,
        paidAt: 0,
      };
    }
    this.recovered();
    return {
      decision: decisionOf(reply, quotaKeys),
      granted: reply[9] ?? 0,
      windowLeftMs: reply[10] ?? 0,
      paidAt: reply[11] ?? 0,
    };
  }

  /** Redis did not answer: each kind of limit fails open or closed as configured, rate limits first. */
  private unavailable(rateKeys: RateKey[], quotaKeys: QuotaKey[], err: Error): LimitDecision {
    const rate = ALLOWED;
    if (rateKeys.length > 0) {
      this.outage('rate', this.options.rateFailOpen, err);
      if (!this.options.rateFailOpen)
        return { rate: { allowed: false, retryAfterMs: 1000, limit: 0, remaining: 0, resetMs: 1000 } };
    }
    const first = quotaKeys[0];
    if (!first) return { rate, quota: UNLIMITED };
    this.outage('quota', this.options.quotaFailOpen, err);
    return {
      rate,
      quota: this.options.quotaFailOpen
        ? { allowed: true, limit: first.limit, used: 0, resetMs: 0 }
        : { allowed: false, window: first.window, limit: first.limit, used: 0, resetMs: 1000 },
    };
  }

  private outage(what: 'rate' | 'quota', failOpen: boolean, err: Error): void {
    this.options.onOutage(what, failOpen);
    // One line per outage, not one per refused or waved-through call.
    if (!this.down) {
      this.logger.error(
        {
          err: err.message,
          rateFailOpen: this.options.rateFailOpen,
          quotaFailOpen: this.options.quotaFailOpen,
        },
        'limits unavailable: Redis does not answer',
      );
    }
    this.down = true;
  }

  private recovered(): void {
    if (this.down) this.logger.info('limits available again');
    this.down = false;
  }
}
