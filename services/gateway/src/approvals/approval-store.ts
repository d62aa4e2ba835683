import type { JsonObject } from '../protocol/messages.js';

/** A call waiting for an approver's decision, as every replica sees it. Never changes once created. */
export interface ApprovalRequest {
  id: string;
  /** The exposed tool name. */
  tool: string;
  /** The arguments shown to approvers: the call runs with exactly these or not at all. */
  arguments: JsonObject;
  /** Canonical JSON digest of `arguments`. */
  digest: string;
  /** The caller, as authenticated. */
  subject: string;
  principal: string;
  /** The caller's tenant: only approvers of the same tenant (or both none) see and decide it. */
  tenant?: string;
  /** The policy rule that asked for the approval, and the role that decides. */
  rule: string;
  role: string;
  allowSelf: boolean;
  createdAt: number;
  expiresAt: number;
}

/**
 * `pending` until decided; then `approved` or `rejected` (by an approver), `expired` (its timeout),
 * `withdrawn` (the caller went away); an approval the call used becomes `consumed`.
 */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'withdrawn' | 'consumed';

/** Who decided, and why: the approver is the authenticated principal of whoever called decide. */
export interface ApprovalDecision {
  approver: string;
  approverSubject: string;
  reason?: string;
  at: number;
}

export interface ApprovalState {
  request: ApprovalRequest;
  status: ApprovalStatus;
  decision?: ApprovalDecision;
}

/** A change of status, with the decision that made it (approvers' decisions only). */
export interface Move {
  from: ApprovalStatus;
  to: ApprovalStatus;
  decision?: ApprovalDecision;
}

/** How long a decided approval stays readable after its expiry (so a late look finds what happened). */
export const KEEP_DECIDED_MS = 60_000;

/** Pending approvals by id: Redis when replicas share state, memory for one process. */
export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalState | undefined>;
  /**
   * The approvals still pending and not expired at positions [offset, offset + count) of the
   * pending ones by expiry; `full` when the window was full (more may follow).
   */
  pending(offset: number, count: number): Promise<{ states: ApprovalState[]; full: boolean }>;
  /**
   * Moves an approval from `from` to `to` atomically, recording `decision`; false (nothing
   * changed) when it is unknown or not in `from`: a decision is taken once, by one party.
   */
  transition(id: string, move: Move): Promise<boolean>;
}

/** One process's approvals; each is forgotten KEEP_DECIDED_MS after its expiry. */
export class MemoryApprovalStore implements ApprovalStore {
  private readonly states = new Map<string, ApprovalState>();

  async create(request: ApprovalRequest): Promise<void> {
    this.states.set(request.id, { request, status: 'pending' });
    setTimeout(
      () => this.states.delete(request.id),
      request.expiresAt - Date.now() + KEEP_DECIDED_MS,
    ).unref();
  }

  async get(id: string): Promise<ApprovalState | undefined> {
    const state = this.states.get(id);
    return state && structuredClone(state);
  }

  async pending(offset: number, count: number): Promise<{ states: ApprovalState[]; full: boolean }> {
    const now = Date.now();
    const window = [...this.states.values()]
      .filter((s) => s.status === 'pending' && s.request.expiresAt > now)
      .sort((a, b) => a.request.expiresAt - b.request.expiresAt)
      .slice(offset, offset + count);
    return { states: window.map((s) => structuredClone(s)), full: window.length === count };
  }

  async transition(id: string, { from, to, decision }: Move): Promise<boolean> {
    const state = this.states.get(id);
    if (!state || state.status !== from) return false;
    state.status = to;
    if (decision) state.decision = decision;
    return true;
  }
}
