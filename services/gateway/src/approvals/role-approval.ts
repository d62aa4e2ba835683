import { randomBytes } from 'node:crypto';
import { FleetError } from '@mcp-fleet/contract';
import { argumentDigest } from '../audit/audit-log.js';
import type { RequestContext } from '../engine/request-context.js';
import type { JsonObject } from '../protocol/messages.js';
import type { Bus } from '../session/types.js';
import type { ApprovalEvents } from './approval-events.js';
import type { ApprovalRequirement } from './approval-rule.js';
import type { ApprovalRequest, ApprovalState, ApprovalStore } from './approval-store.js';
import { approvalDenied } from './caller-approval.js';

/** A poll interval of 0 (a typo in the configuration) must not turn every waiting call into a busy loop. */
const MIN_POLL_MS = 100;

export type RoleRequirement = Extract<ApprovalRequirement, { by: 'role' }>;

export interface RoleApprovalOptions {
  store: ApprovalStore;
  bus: Bus;
  events: ApprovalEvents;
  /** The bus channel decisions are announced on. */
  channel: string;
  /** The wait of a rule that names no timeout. */
  defaultTimeoutMs: number;
  /** How often a waiting call reads its approval, in case an announcement was lost. */
  pollMs: number;
}

/**
 * Calls that wait for a member of an approver role. Each waiting call has a pending approval in the
 * store, visible to every replica; whoever decides announces it on the bus, and the replica holding
 * the call reads the decision from the store (it also polls, so a lost announcement only delays).
 * The approval is taken once: the waiting call moves it from approved to consumed before it runs.
 */
export class RoleApprovals {
  /** Checks of the approvals this replica's calls wait for, by id. */
  private readonly waiting = new Map<string, () => void>();

  constructor(private readonly options: RoleApprovalOptions) {}

  start(): Promise<() => void> {
    return this.options.bus.subscribe(this.options.channel, (payload) => {
      this.waiting.get(String(payload.id))?.();
    });
  }

  /** Tells the replica holding the call that its approval was decided. */
  announce(id: string): void {
    this.options.bus.publish(this.options.channel, { id });
  }

  /** Waits until the call is approved (resolves) or rejected, timed out or withdrawn (throws). */
  async wait(
    ctx: RequestContext,
    tool: string,
    args: JsonObject,
    requirement: RoleRequirement,
  ): Promise<void> {
    const now = Date.now();
    const digest = argumentDigest(args);
    const request: ApprovalRequest = {
      // Hex: an approver types it after `mcp-fleet approvals approve`, where a base64url id
      // starting with '-' (1 in 64) was read as an option.
      id: randomBytes(16).toString('hex'),
      tool,
      arguments: args,
      digest,
      subject: ctx.caller.subject,
      principal: ctx.caller.principal,
      ...(ctx.caller.tenant === undefined ? {} : { tenant: ctx.caller.tenant }),
      rule: requirement.rule,
      role: requirement.role,
      allowSelf: requirement.allowSelf,
      createdAt: now,
      expiresAt: now + (requirement.timeoutMs ?? this.options.defaultTimeoutMs),
    };
    const approval = { id: request.id, by: 'role' as const, rule: request.rule, role: request.role };
    const record = (outcome: Parameters<ApprovalEvents['record']>[0]['outcome'], extra = {}) =>
      this.options.events.record({
        actor: ctx.caller,
        sessionId: ctx.session.id,
        tool,
        args,
        outcome,
        approval: { ...approval, ...extra },
        traceId: ctx.traceId,
      });
    await this.options.store.create(request);
    record('requested');
    const state = await this.settled(request, ctx.cancellation.signal, () => record('withdrawn'));
    const data = { approval: request.id, rule: request.rule, role: request.role };
    if (state.status === 'approved' && this.bound(state, request) && (await this.consume(request.id))) return;
    if (state.status === 'rejected')
      throw approvalDenied(
        `An approver (${state.decision?.approverSubject}) denied the call of ${tool}${state.decision?.reason ? `: ${state.decision.reason}` : ''}`,
        { ...data, reason: 'rejected', approver: state.decision?.approver ?? null },
      );
    if (state.status === 'expired') {
      record('timeout');
      throw approvalDenied(
        `No member of role ${request.role} approved the call of ${tool} within ${Math.round((request.expiresAt - request.createdAt) / 1000)} s`,
        { ...data, reason: 'timeout' },
      );
    }
    throw approvalDenied(`The approval of ${tool} could not be used`, { ...data, reason: 'unusable' });
  }

  /** The decided approval is still the one this call asked for: same caller, tool and arguments. */
  private bound(state: ApprovalState, request: ApprovalRequest): boolean {
    const held = state.request;
    return (
      held.id === request.id &&
      held.principal === request.principal &&
      held.tool === request.tool &&
      held.digest === request.digest
    );
  }

  private consume(id: string): Promise<boolean> {
    return this.options.store.transition(id, { from: 'approved', to: 'consumed' });
  }

  /**
   * Resolves with the approval once it is no longer pending: decided, or expired at its deadline
   * (a store that cannot be reached then counts as expired: closed by default). Rejects when the
   * request is cancelled (client cancel or disconnect, a workflow's deadline), withdrawing it.
   */
  private settled(
    request: ApprovalRequest,
    signal: AbortSignal,
    withdrawn: () => void,
  ): Promise<ApprovalState> {
    const { store, pollMs } = this.options;
    const { id } = request;
    return new Promise<ApprovalState>((resolve, reject) => {
      let reading = false;
      const cleanup = () => {
        clearInterval(poll);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiting.delete(id);
      };
      const done = (state: ApprovalState) => {
        cleanup();
        resolve(state);
      };
      const check = async () => {
        if (reading) return;
        reading = true;
        try {
          const state = await store.get(id);
          if (!state) done({ request, status: 'expired' });
          else if (state.status !== 'pending') done(state);
        } catch {
          // The store did not answer: the next poll tries again, the deadline still ends the wait.
        } finally {
          reading = false;
        }
      };
      const expire = async () => {
        const moved = await store.transition(id, { from: 'pending', to: 'expired' }).catch(() => true);
        if (moved) done({ request, status: 'expired' });
        else await check();
      };
      const onAbort = () => {
        cleanup();
        // Audited once the store says so: whoever reads the line finds the approval gone.
        void store
          .transition(id, { from: 'pending', to: 'withdrawn' })
          .catch(() => false)
          .then(withdrawn);
        reject(new FleetError('InternalError', 'the request was cancelled while it waited for approval'));
      };
      const poll = setInterval(() => void check(), Math.max(MIN_POLL_MS, pollMs));
      const timer = setTimeout(() => void expire(), Math.max(0, request.expiresAt - Date.now()));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(id, () => void check());
    });
  }
}
