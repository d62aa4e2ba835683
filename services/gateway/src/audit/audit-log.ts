import cluster from 'node:cluster';
import { hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Caller } from '../auth/caller.js';
import { canonicalJson } from '../protocol/canonical-json.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { auditToPrimary } from './worker-audit.js';

export type AuditOutcome =
  | 'allowed'
  | 'denied'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'concurrency_limited'
  | 'ok'
  | 'tool_error'
  | 'error'
  | ApprovalOutcome;

/** How an approval went: asked for, then approved, or declined / denied / timed out / withdrawn. */
export type ApprovalOutcome =
  | 'requested'
  | 'approved'
  | 'declined'
  | 'rejected'
  | 'timeout'
  | 'withdrawn'
  | 'unavailable'
  | 'self_refused';

/** The approval an `approval` line is about. */
export interface AuditApproval {
  id: string;
  by: 'caller' | 'role';
  rule: string;
  role?: string;
  /** The principal that decided (approvers only; the caller itself for `caller` approvals). */
  approver?: string;
  reason?: string;
}

export interface AuditEntry {
  event: 'decision' | 'call' | 'approval' | 'task_created' | 'task_cancelled';
  caller: Caller;
  sessionId: string;
  /** `tools/call`, `resources/read`, ... */
  method: string;
  /** Exposed tool or prompt name, or resource URI. */
  target: string;
  args?: unknown;
  /** The digest of `args`, when the caller already made it (the lines of one call share one). */
  argsDigest?: string;
  outcome: AuditOutcome;
  rule?: string;
  errorClass?: string;
  latencyMs?: number;
  traceId?: string;
  approval?: AuditApproval;
  /** The task (tasks extension) a task_* event is about. */
  taskId?: string;
}

/** Arguments are recorded only as a digest: they may carry secrets, the audit log must not. */
export function argumentDigest(args: unknown): string {
  return `sha256:${hash('sha256', canonicalJson(args ?? {}), 'hex').slice(0, 32)}`;
}

/**
 * How long lines wait to be written together. One write per turn of the event loop was a file
 * write (a thread-pool round trip) every call or two under load, ~10 µs of the gateway's CPU per
 * call; lines reach the file at most this much later. A batch that grows past MAX_BATCH_LINES
 * is written at once, so memory stays bounded whatever the rate.
 */
const FLUSH_MS = 10;
const MAX_BATCH_LINES = 2_048;

/** One JSON line per decision and per call, to stdout or an append-only file. */
export class AuditLog {
  private out: NodeJS.WritableStream | WriteStream | Writable;
  /** Lines of the last FLUSH_MS, written together: one write per batch, not per line. */
  private pending: string[] = [];
  private clock = { ms: 0, text: '' };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    target: string,
    private readonly metrics: GatewayMetrics,
  ) {
    this.out =
      target !== 'stdout'
        ? createWriteStream(target, { flags: 'a' })
        : cluster.isWorker
          ? auditToPrimary()
          : process.stdout;
  }

  record(entry: AuditEntry): void {
    this.metrics.audit.inc(entry.event, entry.outcome, { event: entry.event, outcome: entry.outcome });
    const line: Record<string, unknown> = {
      time: this.now(),
      audit: entry.event,
      subject: entry.caller.subject,
      principal: entry.caller.principal,
      tenant: entry.caller.tenant,
      auth: entry.caller.method,
      session: entry.sessionId,
      method: entry.method,
      target: entry.target,
      args: entry.argsDigest ?? (entry.args === undefined ? undefined : argumentDigest(entry.args)),
      outcome: entry.outcome,
      rule: entry.rule,
      error: entry.errorClass,
      latencyMs: entry.latencyMs,
      traceId: entry.traceId,
      approval: entry.approval,
      task: entry.taskId,
    };
    if (this.pending.length === 0) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
    this.pending.push(JSON.stringify(line));
    if (this.pending.length >= MAX_BATCH_LINES) this.flush();
  }

  /** The time of a line: calls ending in the same millisecond share one string. */
  private now(): string {
    const ms = Date.now();
    if (ms !== this.clock.ms) this.clock = { ms, text: new Date(ms).toISOString() };
    return this.clock.text;
  }

  private flush(): void {
    clearTimeout(this.timer);
    if (this.pending.length === 0) return;
    this.out.write(`${this.pending.join('\n')}\n`);
    this.pending = [];
  }

  close(): void {
    this.flush();
    if (this.out === process.stdout) return;
    (this.out as Writable).end();
    // Calls aborted by the drain settle after it (a parked call's cancel, a task's end): their lines
    // go to stderr rather than to an ended file, which would throw and lose them.
    this.out = process.stderr;
  }
}
