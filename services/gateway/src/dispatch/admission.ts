import { type ErrorName, FleetError } from '@mcp-fleet/contract';
import type { ApprovalRequirement } from '../approvals/approval-rule.js';
import { type AuditLog, type AuditOutcome, argumentDigest } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import type { Screening } from '../engine/request-context.js';
import type { PolicyTarget } from '../policy/annotations.js';
import { allowsAny, decide, entitlements, type PolicyHolder } from '../policy/engine.js';
import type { Kind } from '../policy/policy-file.js';
import type { ConcurrencyLimits } from '../ratelimit/concurrency.js';
import type { Limiter, QuotaKey, RateDecision, RateKey } from '../ratelimit/limiter.js';

/** One request as admission sees it. */
export interface Admitted {
  caller: Caller;
  sessionId: string;
  method: string;
  traceId?: string;
  /** Response headers the edge adds (RateLimit-*), filled in by admission. */
  headers: Record<string, string>;
  /** What the request's routing headers already paid for (rate limits, quotas). */
  screening?: Screening;
  /** The session is this one request (MCP 2026-07-28): no per-session count applies. */
  oneRequest?: boolean;
  /**
   * Inside a multi-round (input_required) call: the round being served holds the caller's
   * in-flight slot, so a call parked between rounds holds none.
   */
  inRound?: boolean;
}

/** Ends an admitted call: gives its slot back and audits how it ended. */
export type EndCall = (outcome: AuditOutcome, errorClass?: string) => void;

const seconds = (ms: number) => String(Math.max(0, Math.ceil(ms / 1000)));

function rateHeaders(decision: RateDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': seconds(decision.resetMs),
  };
}

function limited(
  kind: Extract<ErrorName, 'RateLimited' | 'QuotaExceeded'>,
  message: string,
  retryAfterMs: number,
  headers: Record<string, string>,
  data: Record<string, unknown> = {},
) {
  return new FleetError(kind, message, {
    data: { retryAfter: Number(seconds(retryAfterMs)), ...data },
    headers: { ...headers, 'retry-after': seconds(retryAfterMs) },
  });
}

/** A refusal by policy, audited with the rule that decided it. */
function denied(
  decision: { rule?: string; reason?: string },
  record: (event: 'decision', outcome: AuditOutcome, extra: { rule?: string }) => void,
): FleetError {
  record('decision', 'denied', { rule: decision.rule });
  return new FleetError('Forbidden', `Forbidden: ${decision.reason}`, { data: { rule: decision.rule } });
}

/**
 * Everything between authentication and forwarding: policy (with argument constraints), quotas,
 * rate limits and concurrency, each decision audited. Lists show only what the caller may use.
 */
export class Admission {
  constructor(
    private readonly policy: PolicyHolder,
    private readonly limiter: Limiter,
    private readonly concurrency: ConcurrencyLimits,
    private readonly audit: AuditLog,
  ) {}

  /** The policy in force: a new value after each reload, for what is derived from it. */
  get policyRevision(): unknown {
    return this.policy.current;
  }

  visible<T extends Record<string, unknown>>(
    caller: Caller,
    kind: Kind,
    items: readonly T[],
    targetOf: (item: T) => PolicyTarget,
  ): T[] {
    const policy = this.policy.current;
    return items.filter((item) => decide(policy, caller, kind, targetOf(item)).allowed);
  }

  /** Whether policy lets the caller use anything of `kind` at all (some rule of its roles allows some). */
  usesAny(caller: Caller, kind: Kind): boolean {
    return allowsAny(this.policy.current, caller, kind);
  }

  /**
   * Admission of a request that calls nothing but holds a stream (subscriptions/listen): refused
   * when policy lets the caller see none of what it asks for, else the caller's rate limit is
   * spent (not its quotas, which count calls). Audited as any decision.
   */
  async admitStream(request: Admitted, seesSomething: boolean): Promise<void> {
    const record = this.recorder(request, request.method, undefined);
    if (!seesSomething)
      throw denied(
        {
          rule: 'default-deny',
          reason: `no policy rule lets you see any of what this ${request.method} asks for`,
        },
        record,
      );
    await this.limit(request, undefined, request.method, undefined, record);
    record('decision', 'allowed');
  }

  /**
   * Checks a request; resolves with the function that ends it (audits the call), carrying the
   * approval the call still needs before it runs, if any; or throws.
   */
  async admit(
    request: Admitted,
    kind: Kind,
    what: PolicyTarget,
    args?: Record<string, unknown>,
  ): Promise<EndCall & { approval?: ApprovalRequirement }> {
    const { caller } = request;
    const record = this.recorder(request, what.name, args);
    // A call always has arguments (none is {}): undefined would ask the list question.
    const decision = decide(this.policy.current, caller, kind, what, args ?? {});
    if (!decision.allowed) throw denied(decision, record);
    const { screening } = request;
    if (screening && !screening.spent && screening.kind === kind && screening.name === what.name) {
      screening.spent = true;
      Object.assign(request.headers, screening.headers);
    } else await this.limit(request, kind, what.name, decision.rule, record);
    const slot = request.inRound ? () => {} : this.slot(request, record, decision.rule);
    record('decision', 'allowed', { rule: decision.rule });
    const started = performance.now();
    const end: EndCall = (outcome, errorClass) => {
      slot();
      record('call', outcome, {
        errorClass,
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
      });
    };
    return decision.approval ? Object.assign(end, { approval: decision.approval }) : end;
  }

  /** One of the caller's in-flight slots for `target`, released by the function returned; refused when full. */
  inFlight(request: Admitted, target: string): () => void {
    return this.slot(request, this.recorder(request, target, undefined), undefined);
  }

  private slot(request: Admitted, record: ReturnType<Admission['recorder']>, rule: string | undefined) {
    const slot = this.concurrency.acquire(
      request.oneRequest ? undefined : request.sessionId,
      request.caller.principal,
    );
    if (typeof slot === 'function') return slot;
    record('decision', 'concurrency_limited', { rule });
    throw limited(
      'RateLimited',
      `Too many calls in flight for this ${slot.full} (limit ${slot.limit})`,
      1000,
      request.headers,
    );
  }

  /**
   * Admission from a 2026-07-28 request's routing headers, before its body is read: refuses a
   * target no policy rule allows the caller whatever the arguments, and spends its rate limits
   * and quotas. The admission of the same target later spends the returned screening instead.
   */
  async screen(request: Admitted, kind: Kind, what: PolicyTarget): Promise<Screening> {
    this.authorize(request, kind, what);
    await this.limit(request, kind, what.name, undefined, this.recorder(request, what.name, undefined));
    return { kind, name: what.name, spent: false, headers: request.headers };
  }

  /**
   * Policy alone, as it stands now, with no arguments (the list question, "may this caller use it
   * at all"): throws Forbidden, audited, when it may not.
   */
  authorize(request: Admitted, kind: Kind, what: PolicyTarget): void {
    const decision = decide(this.policy.current, request.caller, kind, what);
    if (!decision.allowed) throw denied(decision, this.recorder(request, what.name, undefined));
  }

  /**
   * Audits the decisions and the end of one request for `target`. Its arguments' digest is made at
   * its first line and shared by the rest (a per-call WeakMap entry cost more than the hash).
   */
  private recorder(request: Admitted, target: string, args: Record<string, unknown> | undefined) {
    let digest: string | undefined;
    return (
      event: 'decision' | 'call',
      outcome: AuditOutcome,
      extra?: { rule?: string; errorClass?: string; latencyMs?: number },
    ) => {
      if (args !== undefined) digest ??= argumentDigest(args);
      // One shape for every entry: a spread of `extra` made each entry an object of its own shape.
      this.audit.record({
        event,
        caller: request.caller,
        sessionId: request.sessionId,
        method: request.method,
        target,
        argsDigest: digest,
        outcome,
        traceId: request.traceId,
        rule: extra?.rule,
        errorClass: extra?.errorClass,
        latencyMs: extra?.latencyMs,
      });
    };
  }

  /** The caller's rate limits and quotas for `target`: spent, or refused with when to retry. */
  private async limit(
    request: Admitted,
    kind: Kind | undefined,
    target: string,
    rule: string | undefined,
    record: ReturnType<Admission['recorder']>,
  ): Promise<void> {
    const { caller } = request;
    const rights = entitlements(this.policy.current, caller);
    // Quotas count calls: a stream (no kind) spends none.
    const counted = kind ? rights.quota : undefined;
    const quotaKeys: QuotaKey[] = [];
    if (counted?.perHour !== undefined)
      quotaKeys.push({
        key: `mcpfleet:quota:${caller.principal}:hour`,
        window: 'hour',
        limit: counted.perHour,
      });
    if (counted?.perDay !== undefined)
      quotaKeys.push({
        key: `mcpfleet:quota:${caller.principal}:day`,
        window: 'day',
        limit: counted.perDay,
      });
    const rateKeys: RateKey[] = [];
    if (rights.rateLimit)
      rateKeys.push({ key: `mcpfleet:rate:${caller.principal}`, limit: rights.rateLimit });
    if (rights.toolRateLimit && kind)
      rateKeys.push({
        key: `mcpfleet:rate:${caller.principal}:${kind}:${target}`,
        limit: rights.toolRateLimit,
      });

    // One step for both: a call refused by either spends neither.
    const { rate, quota } = await this.limiter.spend(rateKeys, quotaKeys);
    if (rateKeys.length > 0) Object.assign(request.headers, rateHeaders(rate));
    if (!rate.allowed) {
      record('decision', 'rate_limited', { rule });
      throw limited('RateLimited', 'Rate limit exceeded: slow down', rate.retryAfterMs, request.headers);
    }
    if (quota && !quota.allowed) {
      record('decision', 'quota_exceeded', { rule });
      throw limited(
        'QuotaExceeded',
        `Quota exceeded: ${quota.limit} calls per ${quota.window}`,
        quota.resetMs,
        request.headers,
        {
          window: quota.window,
          limit: quota.limit,
        },
      );
    }
  }
}
