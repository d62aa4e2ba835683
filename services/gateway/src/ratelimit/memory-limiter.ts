import {
  ALLOWED,
  gcraParameters,
  type LimitDecision,
  type Limiter,
  type QuotaDecision,
  type QuotaKey,
  type RateDecision,
  type RateKey,
  UNLIMITED,
  WINDOW_MS,
} from './limiter.js';

/** The limiter of a single gateway (no Redis): the same algorithms, in this process. */
export class MemoryLimiter implements Limiter {
  private readonly tats = new Map<string, number>();
  private readonly counters = new Map<string, { window: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {
    setInterval(() => this.sweep(), 60_000).unref();
  }

  async spend(rateKeys: RateKey[], quotaKeys: QuotaKey[]): Promise<LimitDecision> {
    const now = this.now();
    const tats: number[] = [];
    for (const { key, limit } of rateKeys) {
      const { tolerance } = gcraParameters(limit);
      const tat = Math.max(this.tats.get(key) ?? now, now);
      if (tat - now > tolerance) {
        return {
          rate: {
            allowed: false,
            retryAfterMs: Math.ceil(tat - now - tolerance),
            limit: limit.burst,
            remaining: 0,
            resetMs: Math.ceil(tat - now),
          },
        };
      }
      tats.push(tat);
    }
    const counts = quotaKeys.map(({ key, window }) => {
      const counter = this.counters.get(key);
      return counter?.window === Math.floor(now / WINDOW_MS[window]) ? counter.count : 0;
    });
    const full = quotaKeys.findIndex((k, i) => (counts[i] as number) >= k.limit);
    if (full >= 0) {
      const k = quotaKeys[full] as QuotaKey;
      return {
        rate: tightest(rateKeys, tats, now),
        quota: {
          allowed: false,
          window: k.window,
          limit: k.limit,
          used: counts[full] as number,
          resetMs: resetOf(k.window, now),
        },
      };
    }
    const spent = rateKeys.map(({ key, limit }, i) => {
      const tat = (tats[i] as number) + gcraParameters(limit).interval;
      this.tats.set(key, tat);
      return tat;
    });
    quotaKeys.forEach(({ key, window }, i) => {
      this.counters.set(key, {
        window: Math.floor(now / WINDOW_MS[window]),
        count: (counts[i] as number) + 1,
      });
    });
    return { rate: tightest(rateKeys, spent, now), quota: quotaSpent(quotaKeys, counts, now) };
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, tat] of this.tats) if (tat < now) this.tats.delete(key);
    for (const [key, counter] of this.counters) {
      const window = key.endsWith(':day') ? WINDOW_MS.day : WINDOW_MS.hour;
      if (counter.window < Math.floor(now / window)) this.counters.delete(key);
    }
  }
}

const resetOf = (window: 'hour' | 'day', now: number) => WINDOW_MS[window] - (now % WINDOW_MS[window]);

/** The RateLimit-* view of the buckets at these theoretical arrival times: the one with least left. */
function tightest(keys: RateKey[], tats: number[], now: number): RateDecision {
  let best: RateDecision | undefined;
  keys.forEach(({ limit }, i) => {
    const tat = tats[i] as number;
    const remaining = Math.max(0, limit.burst - Math.ceil((tat - now) / gcraParameters(limit).interval));
    if (!best || remaining < best.remaining)
      best = { allowed: true, retryAfterMs: 0, limit: limit.burst, remaining, resetMs: Math.ceil(tat - now) };
  });
  return best ?? ALLOWED;
}

function quotaSpent(keys: QuotaKey[], counts: number[], now: number): QuotaDecision {
  const first = keys[0];
  return first
    ? {
        allowed: true,
        limit: first.limit,
        used: (counts[0] as number) + 1,
        resetMs: resetOf(first.window, now),
      }
    : UNLIMITED;
}
