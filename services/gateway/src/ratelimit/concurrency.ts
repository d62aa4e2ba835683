import { CappedCounts } from './capped-counts.js';

/**
 * Calls in flight per session and per caller (principal) on this replica. Per replica on purpose: a
 * cluster-wide count would cost a Redis round trip per call and leak slots when a replica dies.
 */
export class ConcurrencyLimits {
  private readonly bySession: CappedCounts;
  private readonly bySubject: CappedCounts;

  constructor(perSession: number, perSubject: number) {
    this.bySession = new CappedCounts(perSession);
    this.bySubject = new CappedCounts(perSubject);
  }

  /**
   * A release function, or the limit that is full. Without a session (a request of MCP 2026-07-28
   * is its own session: a count per request id would only ever reach one) only the caller's counts.
   */
  acquire(
    sessionId: string | undefined,
    principal: string,
  ): (() => void) | { full: 'session' | 'subject'; limit: number } {
    const session = sessionId === undefined ? noSession : this.bySession.take(sessionId);
    if (!session) return { full: 'session', limit: this.bySession.cap };
    const subject = this.bySubject.take(principal);
    if (!subject) {
      session();
      return { full: 'subject', limit: this.bySubject.cap };
    }
    if (session === noSession) return subject;
    return () => {
      session();
      subject();
    };
  }
}

const noSession = () => {};
