import type { RateLimit } from '../policy/policy-file.js';

/** The outcome of a rate-limit check, with what the RateLimit-* headers report. */
export interface RateDecision {
  allowed: boolean;
  /** Milliseconds until a retry can succeed; 0 when allowed. */
  retryAfterMs: number;
  /** Burst size of the tightest bucket. */
  limit: number;
  remaining: number;
  /** Milliseconds until that bucket is full again. */
  resetMs: number;
}

export interface QuotaDecision {
  allowed: boolean;
  /** The window that ran out, when one did. */
  window?: 'hour' | 'day';
  limit: number;
  used: number;
  resetMs: number;
}

export interface RateKey {
  key: string;
  limit: RateLimit;
}

export interface QuotaKey {
  key: string;
  window: 'hour' | 'day';
  limit: number;
}

export const WINDOW_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/**
 * A call's limits, decided together: the rate decision, then the quota decision, absent when the
 * rate limit refused the call (its quotas were not looked at).
 */
export interface LimitDecision {
  rate: RateDecision;
  quota?: QuotaDecision;
}

/**
 * Rate limits (GCRA) and quotas (fixed windows), checked and spent in one step: all-or-nothing
 * across every key of both, so a call refused by one bucket or window consumes from none. Rate
 * limits are looked at first (their refusal says when to retry).
 */
export interface Limiter {
  spend(rate: RateKey[], quota: QuotaKey[]): Promise<LimitDecision>;
}

export const UNLIMITED: QuotaDecision = { allowed: true, limit: 0, used: 0, resetMs: 0 };

/** GCRA parameters: emission interval T and burst tolerance tau, in ms. */
export function gcraParameters(limit: RateLimit): { interval: number; tolerance: number } {
  const interval = 1000 / limit.perSecond;
  return { interval, tolerance: interval * (limit.burst - 1) };
}

export const ALLOWED: RateDecision = { allowed: true, retryAfterMs: 0, limit: 0, remaining: 0, resetMs: 0 };

/** A decision and how many calls it paid for: 0 when refused (or not checked), else 1 or a lease. */
export interface Grant {
  decision: LimitDecision;
  granted: number;
  /** Milliseconds until the first of the call's quota windows ends, on the limiter's clock; 0: none. */
  windowLeftMs: number;
  /** The limiter's time (ms) the calls were paid at. */
  paidAt: number;
}

/** Calls of an earlier lease never made, and when they were paid: given back before a new lease. */
export interface Refund {
  calls: number;
  paidAt: number;
}

export const NO_REFUND: Refund = { calls: 0, paidAt: 0 };

/**
 * A limiter that can spend several calls at once: up to `want`, and no more than 1/`share` of what
 * the emptiest bucket or window still holds, so a lease never takes a large part of a small limit.
 */
export interface Leaser {
  lease(rate: RateKey[], quota: QuotaKey[], want: number, share: number, refund: Refund): Promise<Grant>;
}
