import type { ApprovalOutcome, AuditApproval, AuditLog } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';

/** One step of an approval's life: who acted, on which call, and how it went. */
export interface ApprovalEvent {
  /** Who acted: the caller for requests and caller decisions, the approver for role decisions. */
  actor: Caller;
  sessionId: string;
  tool: string;
  args: unknown;
  outcome: ApprovalOutcome;
  approval: AuditApproval;
  traceId?: string;
}

/** Every approval request, decision, approver and timeout: one audit line and one count each. */
export class ApprovalEvents {
  constructor(
    private readonly audit: AuditLog,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** An approver listed pending approvals (and so saw their arguments). */
  looked(actor: Caller, sessionId: string, tool: string, traceId?: string): void {
    this.audit.record({
      event: 'call',
      caller: actor,
      sessionId,
      method: 'tools/call',
      target: tool,
      outcome: 'ok',
      ...(traceId ? { traceId } : {}),
    });
  }

  record(event: ApprovalEvent): void {
    this.metrics.approvals.inc({ kind: event.approval.by, outcome: event.outcome });
    this.audit.record({
      event: 'approval',
      caller: event.actor,
      sessionId: event.sessionId,
      method: 'tools/call',
      target: event.tool,
      args: event.args,
      outcome: event.outcome,
      rule: event.approval.rule,
      approval: event.approval,
      ...(event.traceId ? { traceId: event.traceId } : {}),
    });
  }
}
