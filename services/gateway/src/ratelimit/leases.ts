import {
  type Grant,
  type Leaser,
  type LimitDecision,
  type Limiter,
  type QuotaKey,
  type RateKey,
  WINDOW_MS,
} from './limiter.js';

/** How long paid-for calls stay usable: those not made by then are lost to the caller, never given twice. */
const LEASE_MS = 1000;
/** A lease takes at most this share of what the emptiest bucket or window still holds. */
const SHARE = 16;
/** Leases kept at most (one per caller and tool lately seen); past it, the oldest go. */
const MAX_LEASES = 10_000;

interface Lease {
  /** Calls paid for and not yet made. */
  left: number;
  /** Date.now() from which `left` is void. */
  expires: number;
  /** The decision the lease came with, and when. */
  decision: LimitDecision;
  at: number;
}

/**
 * Limits checked in Redis once per lease instead of once per call: a replica pays for several of
 * a caller's calls at once and spends them itself for up to LEASE_MS. The script grants no more
 * than every bucket and window holds, and no more than 1/SHARE of what the emptiest holds, so a
 * limit is never exceeded; what it costs is calls paid for and not made in time (lost to the
 * caller, at most one lease per replica) and headers that are as old as the lease. Limits too small
 * to share get leases of one: exactly one round trip per call, as without leases.
 */
export class LeasingLimiter implements Limiter {
  private readonly leases = new Map<string, Lease>();
  /** Leases being renewed: one renewal at a time per lease, the calls meanwhile wait for it. */
  private readonly renewing = new Map<string, Promise<void>>();

  constructor(
    private readonly source: Leaser & Limiter,
    /** The most calls one lease pays for. */
    private readonly size: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async spend(rate: RateKey[], quota: QuotaKey[]): Promise<LimitDecision> {
    if (this.size <= 1 || (rate.length === 0 && quota.length === 0)) return this.source.spend(rate, quota);
    const key = leaseKey(rate, quota);
    for (let waited = false; ; waited = true) {
      const held = this.leases.get(key);
      const now = this.clock();
      if (held && held.left > 0 && held.expires > now) {
        held.left--;
        return fromLease(held, now);
      }
      const renewal = this.renewing.get(key);
      if (!renewal) return this.renew(key, rate, quota);
      // A call that finds the lease being renewed waits for it rather than asking Redis itself,
      // once: when that renewal brought no lease to share (a limit nearly spent), it asks alone
      // instead of queueing behind the next.
      if (waited) return this.source.spend(rate, quota);
      await renewal;
    }
  }

  private async renew(key: string, rate: RateKey[], quota: QuotaKey[]): Promise<LimitDecision> {
    const asked = this.source.lease(rate, quota, this.size, SHARE);
    this.renewing.set(
      key,
      asked.then(
        () => {},
        () => {},
      ),
    );
    try {
      const grant = await asked;
      this.leases.delete(key);
      if (grant.granted <= 1) return grant.decision;
      const lease = this.keep(key, grant, quota);
      return fromLease(lease, lease.at);
    } finally {
      this.renewing.delete(key);
    }
  }

  private keep(key: string, grant: Grant, quota: QuotaKey[]): Lease {
    const now = this.clock();
    // Calls paid for in one quota window must not be made in the next: it would not count them.
    // (The window is Redis' and this is the replica's clock: they agree to NTP's precision.)
    const windowEnd = Math.min(
      ...quota.map(({ window }) => now + WINDOW_MS[window] - (now % WINDOW_MS[window])),
    );
    if (this.leases.size >= MAX_LEASES) this.evict(now);
    const lease = {
      left: grant.granted - 1,
      expires: Math.min(now + LEASE_MS, windowEnd),
      decision: grant.decision,
      at: now,
    };
    this.leases.set(key, lease);
    return lease;
  }

  /** Drops the expired leases, then the oldest half if that was not enough. */
  private evict(now: number): void {
    for (const [key, lease] of this.leases) if (lease.expires <= now) this.leases.delete(key);
    let extra = this.leases.size - MAX_LEASES / 2;
    for (const key of this.leases.keys()) {
      if (extra-- <= 0) break;
      this.leases.delete(key);
    }
  }
}

/** Keys and limits both: a policy reload that changes a limit starts a new lease. */
function leaseKey(rate: RateKey[], quota: QuotaKey[]): string {
  let key = '';
  for (const { key: k, limit } of rate) key += `${k}\n${limit.perSecond}/${limit.burst}\n`;
  for (const { key: k, window, limit } of quota) key += `${k}\n${window}/${limit}\n`;
  return key;
}

/** The lease's decision as of now: the calls still leased count as remaining, not as used. */
function fromLease(lease: Lease, now: number): LimitDecision {
  const { rate, quota } = lease.decision;
  const elapsed = now - lease.at;
  return {
    rate:
      rate.limit > 0
        ? { ...rate, remaining: rate.remaining + lease.left, resetMs: Math.max(0, rate.resetMs - elapsed) }
        : rate,
    quota:
      quota && quota.limit > 0
        ? { ...quota, used: quota.used - lease.left, resetMs: Math.max(0, quota.resetMs - elapsed) }
        : quota,
  };
}
