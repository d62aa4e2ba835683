import { callListener, InflightTable } from '@mcp-fleet/runtime';

/**
 * What a provider tells the calls still in flight when it stops waiting for them. Not an abort
 * listener per call on one long-lived AbortSignal: Node 20's EventTarget leaves a removed listener
 * linked to its neighbours, so one listener promoted to the old generation keeps every later one,
 * and the call each closes over, alive until a full collection: the trap InflightTable avoids.
 */
export class Shutdown {
  private readonly listeners = new InflightTable<() => void>();
  private triggered = false;

  /** Calls `listener` when the provider shuts down; returns its removal. Never called when added after. */
  onShutdown(listener: () => void): () => void {
    if (this.triggered) return () => {};
    const key = this.listeners.add(listener);
    return () => this.listeners.delete(key);
  }

  trigger(): void {
    if (this.triggered) return;
    this.triggered = true;
    // As an abort listener: one removed by a listener before it is not called, and one that
    // throws keeps none of the others from running (its error is thrown on the next tick).
    for (const [key, listener] of this.listeners.list()) if (this.listeners.has(key)) callListener(listener);
  }
}
