import { InflightTable } from '@mcp-fleet/runtime';
import {
  type Grant,
  type Leaser,
  type LimitDecision,
  type Limiter,
  NO_REFUND,
  type QuotaKey,
  type RateKey,
  type Refund,
} from './limiter.js';

/** How long paid-for calls stay usable; those not made by then are given back with the next lease. */
const LEASE_MS = 1000;
/** A lease takes at most this share of what the emptiest bucket or window still holds. */
const SHARE = 16;
/** Leases kept at most (one per caller and tool lately seen); past it, the stale and then the oldest go. */
const MAX_LEASES = 10_000;
/** Keys longer than this (a long resource URI in a per-target limit) are checked call by call, never kept. */
const MAX_KEY_LENGTH = 512;
/** How long a spent lease is remembered for sizing the next. */
const REMEMBER_MS = 10 * LEASE_MS;

interface Lease {
  /** Calls paid for (at `paidAt`, the limiter's time), and those not yet made. */
  granted: number;
  paidAt: number;
  left: number;
  /** The clock's time from which `left` is void. */
  expires: number;
  /** The decision the lease came with, and when it was asked for. */
  decision: LimitDecision;
  at: number;
}

/**
 * Limits checked in Redis once per lease instead of once per call: a replica pays for several of
 * a caller's calls at once and spends them itself for up to LEASE_MS. A lease is sized from how
 * the caller used its previous one (half a second of calls at that rate, at most twice the calls
 * it served, so a caller calling less than twice a second gets leases of one), and the script
 * grants no more than every bucket and window holds and no more than 1/SHARE of what the emptiest
 * holds: quotas and the long-run rate are never exceeded. Calls leased and not made are given back
 * with the next lease of the same keys (lost only when the caller does not come back); calls held
 * in leases can be made after the bucket has refilled (a burst may pass its size by what the
 * replicas hold); headers are as old as the lease.
 */
export class LeasingLimiter implements Limiter {
  private readonly leases = new Map<string, Lease>();
  /** Leases being renewed: one renewal at a time per lease, the calls meanwhile wait for it. */
  private readonly renewing = new InflightTable<Promise<Grant | undefined>>();

  constructor(
    private readonly source: Leaser & Limiter,
    /** The most calls one lease pays for. */
    private readonly size: number,
    /** Monotonic: a step of the wall clock must not stretch a lease. */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  async spend(rate: RateKey[], quota: QuotaKey[]): Promise<LimitDecision> {
    if (this.size <= 1 || (rate.length === 0 && quota.length === 0)) return this.source.spend(rate, quota);
    const key = leaseKey(rate, quota);
    if (key.length > MAX_KEY_LENGTH) return this.source.spend(rate, quota);
    for (let waited = false; ; waited = true) {
      const held = this.leases.get(key);
      const now = this.clock();
      if (held && held.left > 0 && held.expires > now) {
        held.left--;
        return fromLease(held, now);
      }
      const renewal = this.renewing.get(key);
      if (!renewal) return this.renew(key, rate, quota, this.want(held, now), unmade(held));
      // A call that finds the lease being renewed waits for it rather than asking Redis itself,
      // once. A refusal, or Redis not answering, holds for the calls that waited on it too; a
      // lease of one (a limit nearly spent) has nothing to share, and each then asks alone
      // instead of queueing behind the next renewal.
      if (waited) return this.source.spend(rate, quota);
      const outcome = await renewal;
      if (outcome && outcome.granted < 1) return outcome.decision;
    }
  }

  /**
   * Half a second of calls at the rate the last lease was used, from 1 up to `size`, and at most
   * twice the calls it served: a lease grows as the caller proves it uses it.
   */
  private want(last: Lease | undefined, now: number): number {
    if (!last || now - last.at > REMEMBER_MS) return 1;
    const used = last.granted - last.left;
    const perLease = (used * LEASE_MS) / Math.max(1, now - last.at);
    return Math.max(1, Math.min(this.size, 2 * used, Math.floor(perLease / 2)));
  }

  private async renew(
    key: string,
    rate: RateKey[],
    quota: QuotaKey[],
    want: number,
    refund: Refund,
  ): Promise<LimitDecision> {
    const at = this.clock();
    const asked = this.source.lease(rate, quota, want, SHARE, refund);
    this.renewing.set(
      key,
      asked.catch(() => undefined),
    );
    try {
      const grant = await asked;
      if (grant.granted < 1) {
        this.leases.delete(key);
        return grant.decision;
      }
      const lease = this.keep(key, grant, at);
      return fromLease(lease, lease.at);
    } finally {
      this.renewing.delete(key);
    }
  }

  /**
   * Keeps what the grant paid for, usable for LEASE_MS from when it was asked for and never past
   * the end of the quota window that paid (on Redis' clock, so the replica's does not matter).
   */
  private keep(key: string, grant: Grant, at: number): Lease {
    if (this.leases.size >= MAX_LEASES) this.evict(this.clock());
    const lease = {
      granted: grant.granted,
      paidAt: grant.paidAt,
      left: grant.granted - 1,
      expires: at + (grant.windowLeftMs > 0 ? Math.min(LEASE_MS, grant.windowLeftMs) : LEASE_MS),
      decision: grant.decision,
      at,
    };
    this.leases.delete(key);
    this.leases.set(key, lease);
    return lease;
  }

  /** Drops the leases too old to size the next, then the oldest half if that was not enough. */
  private evict(now: number): void {
    for (const [key, lease] of this.leases) if (now - lease.at > REMEMBER_MS) this.leases.delete(key);
    let extra = this.leases.size - MAX_LEASES / 2;
    for (const key of this.leases.keys()) {
      if (extra-- <= 0) break;
      this.leases.delete(key);
    }
  }
}

/**
 * The calls of an expired lease never made, given back with the next renewal (and so given back
 * once: the lease keeps none). A caller that does not come back leaves them spent.
 */
function unmade(lease: Lease | undefined): Refund {
  if (!lease || lease.left === 0) return NO_REFUND;
  const refund = { calls: lease.left, paidAt: lease.paidAt };
  lease.left = 0;
  return refund;
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
