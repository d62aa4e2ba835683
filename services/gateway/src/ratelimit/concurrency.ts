/**
 * Calls in flight per session and per caller (principal) on this replica. Per replica on purpose: a
 * cluster-wide count would cost a Redis round trip per call and leak slots when a replica dies.
 */
export class ConcurrencyLimits {
  private readonly bySession = new Map<string, number>();
  private readonly bySubject = new Map<string, number>();

  constructor(
    private readonly perSession: number,
    private readonly perSubject: number,
  ) {}

  /** A release function, or the limit that is full. */
  acquire(
    sessionId: string,
    principal: string,
  ): (() => void) | { full: 'session' | 'subject'; limit: number } {
    const session = this.bySession.get(sessionId) ?? 0;
    const user = this.bySubject.get(principal) ?? 0;
    if (session >= this.perSession) return { full: 'session', limit: this.perSession };
    if (user >= this.perSubject) return { full: 'subject', limit: this.perSubject };
    this.bySession.set(sessionId, session + 1);
    this.bySubject.set(principal, user + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const s = (this.bySession.get(sessionId) ?? 1) - 1;
      const u = (this.bySubject.get(principal) ?? 1) - 1;
      if (s === 0) this.bySession.delete(sessionId);
      else this.bySession.set(sessionId, s);
      if (u === 0) this.bySubject.delete(principal);
      else this.bySubject.set(principal, u);
    };
  }
}
