import { ErrorCode } from '@mcp-fleet/contract';
import { JsonRpcError } from '../errors.js';
import { type Bus, CHANNELS } from '../session/types.js';
import type { JsonObject, JsonRpcRequest, JsonRpcResponse } from './messages.js';

interface Pending {
  resolve(result: JsonObject): void;
  reject(error: Error): void;
}

/**
 * Requests the gateway sends to clients (sampling, elicitation, roots) on behalf of providers.
 * Ids carry the replica that waits for the answer (`s:<replica>:<n>`), so an answer POSTed to any
 * replica finds its way back over the bus.
 */
export class ServerRequests {
  private readonly pending = new Map<string, Pending>();
  private sequence = 0;

  constructor(private readonly bus: Bus) {}

  async start(): Promise<() => void> {
    return this.bus.subscribe(CHANNELS.replica(this.bus.replicaId), (payload) => {
      if (payload.type === 'response') this.settle(payload.response as JsonRpcResponse);
    });
  }

  /** Builds the request and a promise of the client's result; aborting rejects it. */
  create(
    method: string,
    params: JsonObject,
    signal: AbortSignal,
  ): { message: JsonRpcRequest; result: Promise<JsonObject> } {
    const id = `s:${this.bus.replicaId}:${++this.sequence}`;
    const result = new Promise<JsonObject>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        reject(new JsonRpcError(ErrorCode.InternalError, 'the request was cancelled'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
    });
    return { message: { jsonrpc: '2.0', id, method, params }, result };
  }

  /** Routes a client's answer to the replica waiting for it; false when the id is not ours at all. */
  deliver(response: JsonRpcResponse): boolean {
    const match = typeof response.id === 'string' ? /^s:([^:]+):\d+$/.exec(response.id) : null;
    if (!match?.[1]) return false;
    if (match[1] === this.bus.replicaId) this.settle(response);
    else
      this.bus.publish(CHANNELS.replica(match[1]), {
        type: 'response',
        response: response as unknown as JsonObject,
      });
    return true;
  }

  private settle(response: JsonRpcResponse): void {
    const waiting = this.pending.get(String(response.id));
    if (!waiting) return;
    this.pending.delete(String(response.id));
    if (response.error)
      waiting.reject(new JsonRpcError(response.error.code, response.error.message, response.error.data));
    else waiting.resolve((response.result ?? {}) as JsonObject);
  }
}
