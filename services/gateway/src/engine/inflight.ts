import { InflightTable } from '@mcp-fleet/runtime';
import { type RequestId, requestIdKey } from '../protocol/messages.js';
import { type Cancellable, Cancellation } from './cancellation.js';

const keyOf = (sessionId: string, requestId: RequestId) => `${sessionId}\0${requestIdKey(requestId)}`;

/** One request running on this replica. */
export interface RunningRequest {
  /** Aborted by cancellation, session end or shutdown until `end`; by `abort` at any time. */
  cancellation: Cancellable;
  /**
   * Aborts the request from its own side (a call it started failed, or outlived it and was
   * cancelled later): such a request is answered, not cancelled.
   */
  abort(reason: Error): void;
  /** True when its client, its session's end or shutdown aborted it. */
  cancelled(): boolean;
  end(): void;
}

/** The requests running on this replica, each with what cancels it. */
export class InflightRequests {
  private readonly running = new InflightTable<Cancellation>();

  /**
   * Registers a request. Its closures capture only its cancellation: a call that outlives the
   * request keeps `abort`, and with it nothing of the exchange.
   */
  begin(sessionId: string, requestId: RequestId): RunningRequest {
    const key = keyOf(sessionId, requestId);
    const cancellation = new Cancellation();
    let abortedByHandler = false;
    this.running.set(key, cancellation);
    return {
      cancellation,
      abort: (reason) => {
        abortedByHandler ||= !cancellation.aborted;
        cancellation.abort(reason);
      },
      cancelled: () => cancellation.aborted && !abortedByHandler,
      end: () => {
        if (this.running.get(key) === cancellation) this.running.delete(key);
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
    for (const [key, cancellation] of this.running.list()) {
      if (key.startsWith(`${sessionId}\0`)) cancellation.abort(new Error('session ended'));
    }
  }

  abortAll(reason: string): void {
    for (const cancellation of this.running.values()) cancellation.abort(new Error(reason));
  }
}
