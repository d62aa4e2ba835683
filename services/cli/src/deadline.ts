import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';

/** A call's one budget, across its attempts, reconnects and backoffs; progress renews it. */
export class Deadline {
  private at: number;

  constructor(private readonly timeoutMs: number) {
    this.at = Date.now() + timeoutMs;
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  extend(): void {
    this.at = Date.now() + this.timeoutMs;
  }

  /** Spent: the call ends as the SDK ends a request that timed out, saying what it last met. */
  check(last?: unknown): void {
    if (this.remainingMs() <= 0) throw this.expired(last);
  }

  private expired(last?: unknown): SdkError {
    const cause = last instanceof Error ? ` (last error: ${last.message})` : '';
    return new SdkError(SdkErrorCode.RequestTimeout, `Request timed out after ${this.timeoutMs} ms${cause}`, {
      timeout: this.timeoutMs,
    });
  }

  /**
   * The attempt `start` makes, or the timeout error when the deadline comes first (a reconnect
   * that hangs, say). A spent deadline starts no attempt: one started and then abandoned would
   * send a request nobody waits for, and its failure would go unhandled.
   */
  async bound<T>(start: () => Promise<T>): Promise<T> {
    this.check();
    const work = start();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      const fire = () => {
        if (this.remainingMs() > 0) timer = setTimeout(fire, this.remainingMs());
        else reject(this.expired());
      };
      timer = setTimeout(fire, this.remainingMs());
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
