import type { RequestId } from '../protocol/messages.js';

const keyOf = (sessionId: string, requestId: RequestId) => `${sessionId}\0${String(requestId)}`;

/** The requests running on this replica, each with the controller that cancels it. */
export class InflightRequests {
  private readonly running = new Map<string, AbortController>();

  /**
   * Registers a request; its controller aborts on cancellation, session end or shutdown until
   * `end`, after which only its holder aborts it.
   */
  begin(sessionId: string, requestId: RequestId): { controller: AbortController; end: () => void } {
    const key = keyOf(sessionId, requestId);
    const controller = new AbortController();
    this.running.set(key, controller);
    return {
      controller,
      end: () => {
        if (this.running.get(key) === controller) this.running.delete(key);
      },
    };
  }

  get count(): number {
    return this.running.size;
  }

  abort(sessionId: string, requestId: RequestId, reason: string): void {
    this.running.get(keyOf(sessionId, requestId))?.abort(new Error(reason || 'cancelled by the client'));
  }

  abortSession(sessionId: string): void {
    for (const [key, controller] of this.running) {
      if (key.startsWith(`${sessionId}\0`)) controller.abort(new Error('session ended'));
    }
  }

  abortAll(reason: string): void {
    for (const controller of this.running.values()) controller.abort(new Error(reason));
  }
}
