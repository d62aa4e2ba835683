import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  ALLOWED,
  gcraParameters,
  type Limiter,
  type QuotaDecision,
  type QuotaKey,
  type RateDecision,
  type RateKey,
  WINDOW_MS,
} from './limiter.js';

/**
 * GCRA over several keys at once, on Redis' clock so every replica agrees. ARGV per key:
 * interval, tolerance, burst. Returns {allowed, retryAfterMs, limit, remaining, resetMs}.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tats = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[3 * i - 2])
  local tolerance = tonumber(ARGV[3 * i - 1])
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  if tat - now > tolerance then
    return {0, math.ceil(tat - now - tolerance), tonumber(ARGV[3 * i]), 0, math.ceil(tat - now)}
  end
  tats[i] = tat + interval
end
local best = {1, 0, 0, -1, 0}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[3 * i - 2])
  local burst = tonumber(ARGV[3 * i])
  redis.call('SET', KEYS[i], tostring(tats[i]), 'PX', math.ceil(tats[i] - now) + 1000)
  local remaining = burst - math.ceil((tats[i] - now) / interval)
  if remaining < 0 then remaining = 0 end
  if best[4] < 0 or remaining < best[4] then best = {1, 0, burst, remaining, math.ceil(tats[i] - now)} end
end
return best
`;

/**
 * Fixed-window quotas: every window is checked before any is counted. ARGV per key: limit,
 * window ms. Returns {allowed, failedIndex, used, resetMs}.
 */
const QUOTA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local keys = {}
local counts = {}
for i = 1, #KEYS do
  local window = tonumber(ARGV[2 * i])
  keys[i] = KEYS[i] .. ':' .. math.floor(now / window)
  counts[i] = tonumber(redis.call('GET', keys[i])) or 0
  if counts[i] >= tonumber(ARGV[2 * i - 1]) then
    return {0, i, counts[i], window - (now % window)}
  end
end
for i = 1, #KEYS do
  local window = tonumber(ARGV[2 * i])
  redis.call('INCR', keys[i])
  redis.call('PEXPIRE', keys[i], window + 60000)
end
if #KEYS == 0 then return {1, 0, 0, 0} end
local window = tonumber(ARGV[2])
return {1, 0, counts[1] + 1, window - (now % window)}
`;

type LimiterRedis = Redis & {
  mcpfleetGcra(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  mcpfleetQuota(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
};

export interface RedisLimiterOptions {
  /** When Redis cannot answer: let rate-limited calls through (default) or refuse them. */
  rateFailOpen: boolean;
  /** When Redis cannot answer: let quota-limited calls through, or refuse them (default). */
  quotaFailOpen: boolean;
  onOutage: (what: 'rate' | 'quota', failOpen: boolean) => void;
}

/** Limits shared by every replica: one atomic script per check, loaded once (EVALSHA). */
export class RedisLimiter implements Limiter {
  private readonly redis: LimiterRedis;
  private down = false;

  constructor(
    redis: Redis,
    private readonly options: RedisLimiterOptions,
    private readonly logger: Logger,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once if the script cache was flushed.
    redis.defineCommand('mcpfleetGcra', { lua: GCRA });
    redis.defineCommand('mcpfleetQuota', { lua: QUOTA });
    this.redis = redis as LimiterRedis;
  }

  async rate(keys: RateKey[]): Promise<RateDecision> {
    if (keys.length === 0) return ALLOWED;
    const args = keys.flatMap(({ limit }) => {
      const { interval, tolerance } = gcraParameters(limit);
      return [interval, tolerance, limit.burst];
    });
    try {
      const [allowed, retryAfterMs, limit, remaining, resetMs] = await this.redis.mcpfleetGcra(
        keys.length,
        ...keys.map((k) => k.key),
        ...args,
      );
      this.recovered();
      return {
        allowed: allowed === 1,
        retryAfterMs: retryAfterMs ?? 0,
        limit: limit ?? 0,
        remaining: remaining ?? 0,
        resetMs: resetMs ?? 0,
      };
    } catch (err) {
      this.outage('rate', this.options.rateFailOpen, err as Error);
      return this.options.rateFailOpen
        ? ALLOWED
        : { allowed: false, retryAfterMs: 1000, limit: 0, remaining: 0, resetMs: 1000 };
    }
  }

  async quota(keys: QuotaKey[]): Promise<QuotaDecision> {
    if (keys.length === 0) return { allowed: true, limit: 0, used: 0, resetMs: 0 };
    try {
      const [allowed, failed, used, resetMs] = await this.redis.mcpfleetQuota(
        keys.length,
        ...keys.map((k) => k.key),
        ...keys.flatMap((k) => [k.limit, WINDOW_MS[k.window]]),
      );
      this.recovered();
      const key = keys[Math.max(0, (failed ?? 1) - 1)] as QuotaKey;
      return allowed === 1
        ? { allowed: true, limit: (keys[0] as QuotaKey).limit, used: used ?? 0, resetMs: resetMs ?? 0 }
        : { allowed: false, window: key.window, limit: key.limit, used: used ?? 0, resetMs: resetMs ?? 0 };
    } catch (err) {
      this.outage('quota', this.options.quotaFailOpen, err as Error);
      const first = keys[0] as QuotaKey;
      return this.options.quotaFailOpen
        ? { allowed: true, limit: first.limit, used: 0, resetMs: 0 }
        : { allowed: false, window: first.window, limit: first.limit, used: 0, resetMs: 1000 };
    }
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
