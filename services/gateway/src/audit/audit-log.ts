import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Caller } from '../auth/caller.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';

export type AuditOutcome =
  | 'allowed'
  | 'denied'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'concurrency_limited'
  | 'ok'
  | 'tool_error'
  | 'error';

export interface AuditEntry {
  event: 'decision' | 'call';
  caller: Caller;
  sessionId: string;
  /** `tools/call`, `resources/read`, ... */
  method: string;
  /** Exposed tool or prompt name, or resource URI. */
  target: string;
  args?: unknown;
  outcome: AuditOutcome;
  rule?: string;
  errorClass?: string;
  latencyMs?: number;
  traceId?: string;
}

/** Output text on the work stack of `canonical`, told apart from string values. */
class Piece {
  constructor(readonly text: string) {}
}

/**
 * Canonical JSON (sorted keys) so equal arguments always give the same digest. Iterative, with its
 * own stack: no nesting, however hostile, can overflow the call stack.
 */
function canonical(root: unknown): string {
  const out: string[] = [];
  const work: unknown[] = [root];
  while (work.length > 0) {
    const item = work.pop();
    if (item instanceof Piece) out.push(item.text);
    else if (Array.isArray(item)) {
      out.push('[');
      work.push(new Piece(']'));
      for (let i = item.length - 1; i >= 0; i--) {
        work.push(item[i]);
        if (i > 0) work.push(new Piece(','));
      }
    } else if (item && typeof item === 'object') {
      out.push('{');
      work.push(new Piece('}'));
      const record = item as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        work.push(record[key], new Piece(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`));
      }
    } else out.push(JSON.stringify(item) ?? 'null');
  }
  return out.join('');
}

/** Arguments are recorded only as a digest: they may carry secrets, the audit log must not. */
export function argumentDigest(args: unknown): string {
  return `sha256:${createHash('sha256')
    .update(canonical(args ?? {}))
    .digest('hex')
    .slice(0, 32)}`;
}

/** One JSON line per decision and per call, to stdout or an append-only file. */
export class AuditLog {
  private readonly out: NodeJS.WritableStream | WriteStream;
  /** Lines of this turn of the event loop, written together: one write per batch, not per line. */
  private pending: string[] = [];
  /** Digests by arguments object: a call's decision line and its end line share one. */
  private readonly digests = new WeakMap<object, string>();

  constructor(
    target: string,
    private readonly metrics: GatewayMetrics,
  ) {
    this.out = target === 'stdout' ? process.stdout : createWriteStream(target, { flags: 'a' });
  }

  record(entry: AuditEntry): void {
    this.metrics.audit.inc({ event: entry.event, outcome: entry.outcome });
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      audit: entry.event,
      subject: entry.caller.subject,
      principal: entry.caller.principal,
      tenant: entry.caller.tenant,
      auth: entry.caller.method,
      session: entry.sessionId,
      method: entry.method,
      target: entry.target,
      args: entry.args === undefined ? undefined : this.digestOf(entry.args),
      outcome: entry.outcome,
      rule: entry.rule,
      error: entry.errorClass,
      latencyMs: entry.latencyMs,
      traceId: entry.traceId,
    };
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push(JSON.stringify(line));
  }

  private digestOf(args: unknown): string {
    if (typeof args !== 'object' || args === null) return argumentDigest(args);
    let digest = this.digests.get(args);
    if (digest === undefined) {
      digest = argumentDigest(args);
      this.digests.set(args, digest);
    }
    return digest;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.out.write(`${this.pending.join('\n')}\n`);
    this.pending = [];
  }

  close(): void {
    this.flush();
    if (this.out !== process.stdout) (this.out as WriteStream).end();
  }
}
