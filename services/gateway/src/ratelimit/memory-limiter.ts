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

/** The limiter of a single gateway (no Redis): the same algorithms, in this process. */
export class MemoryLimiter implements Limiter {
  private readonly tats = new Map<string, number>();
  private readonly counters = new Map<string, { window: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {
    setInterval(() => this.sweep(), 60_000).unref();
  }

  async rate(keys: RateKey[]): Promise<RateDecision> {
    if (keys.length === 0) return ALLOWED;
    const now = this.now();
    const next: number[] = [];
    for (const { key, limit } of keys) {
      const { interval, tolerance } = gcraParameters(limit);
      const tat = Math.max(this.tats.get(key) ?? now, now);
      if (tat - now > tolerance) {
        return {
          allowed: false,
          retryAfterMs: Math.ceil(tat - now - tolerance),
          limit: limit.burst,
          remaining: 0,
          resetMs: Math.ceil(tat - now),
        };
      }
      next.push(tat + interval);
    }
    let tightest: RateDecision | undefined;
    keys.forEach(({ key, limit }, i) => {
      const tat = next[i] as number;
      this.tats.set(key, tat);
      const { interval } = gcraParameters(limit);
      const remaining = Math.max(0, limit.burst - Math.ceil((tat - now) / interval));
      if (!tightest || remaining < tightest.remaining) {
        tightest = {
          allowed: true,
          retryAfterMs: 0,
          limit: limit.burst,
          remaining,
          resetMs: Math.ceil(tat - now),
        };
      }
    });
    return tightest ?? ALLOWED;
  }

  async quota(keys: QuotaKey[]): Promise<QuotaDecision> {
    const now = this.now();
    const current = keys.map(({ key, window }) => {
      const index = Math.floor(now / WINDOW_MS[window]);
      const counter = this.counters.get(key);
      return counter?.window === index ? counter.count : 0;
    });
    const full = keys.findIndex((k, i) => (current[i] as number) >= k.limit);
    const resetOf = (window: 'hour' | 'day') => WINDOW_MS[window] - (now % WINDOW_MS[window]);
    if (full >= 0) {
      const k = keys[full] as QuotaKey;
      return {
        allowed: false,
        window: k.window,
        limit: k.limit,
        used: current[full] as number,
        resetMs: resetOf(k.window),
      };
    }
    keys.forEach(({ key, window }, i) => {
      this.counters.set(key, {
        window: Math.floor(now / WINDOW_MS[window]),
        count: (current[i] as number) + 1,
      });
    });
    const first = keys[0];
    return first
      ? {
          allowed: true,
          limit: first.limit,
          used: (current[0] as number) + 1,
          resetMs: resetOf(first.window),
        }
      : { allowed: true, limit: 0, used: 0, resetMs: 0 };
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
