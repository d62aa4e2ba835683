import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode } from '@mcp-fleet/contract';
import type { AuditLog } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { JsonRpcError } from '../errors.js';
import { type Bus, CHANNELS } from '../session/types.js';
import type { JsonObject, JsonRpcRequest, JsonRpcResponse } from './messages.js';

/** Whom a server→client request was sent to: nobody else may answer it. */
export interface Addressee {
  sessionId: string;
  principal: string;
}

/** Who sent an answer: the session it came in on (none before `initialize`) and the caller. */
export interface Answerer {
  sessionId: string | undefined;
  caller: Caller;
}

interface Pending {
  to: Addressee;
  resolve(result: JsonObject): void;
  reject(error: Error): void;
}

/** `s:<replica>:<nonce>.<seal>`: 128 random bits, and a seal over the addressee. */
const REQUEST_ID = /^s:([A-Za-z0-9]+):([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;

/** How much of a refused id the error and the audit line repeat. */
const SHOWN_ID_CHARS = 128;

/**
 * Binds a nonce to its addressee. The session id is a secret of its holder, so only that session
 * can present this seal: any replica checks an answer's origin from the id alone, before passing
 * it on, without a shared key or a store lookup.
 */
function seal(nonce: string, to: Addressee): string {
  return createHash('sha256')
    .update(`${to.sessionId}\0${to.principal}\0${nonce}`)
    .digest('base64url')
    .slice(0, 22);
}

const sameAddressee = (a: Addressee, b: Addressee) =>
  a.sessionId === b.sessionId && a.principal === b.principal;

/**
 * Requests the gateway sends to clients (sampling, elicitation, roots) on behalf of providers.
 * Each is bound to the session and principal it was sent to; an answer from anywhere else is
 * refused and audited, and the request keeps waiting for its real answer. Ids carry the replica
 * that waits, so an answer POSTed to any replica finds its way back over the bus.
 */
export class ServerRequests {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly bus: Bus,
    private readonly audit: AuditLog,
  ) {}

  async start(): Promise<() => void> {
    return this.bus.subscribe(CHANNELS.replica(this.bus.replicaId), (payload) => {
      if (payload.type !== 'response') return;
      // The replica that took the answer checked its seal; an answer nothing awaits any more
      // (cancelled, timed out) is dropped.
      this.settle(payload.response as JsonRpcResponse, {
        sessionId: String(payload.sessionId),
        principal: String(payload.principal),
      });
    });
  }

  /** Builds the request for `to` and a promise of its answer; aborting rejects it. */
  create(
    method: string,
    params: JsonObject,
    to: Addressee,
    signal: AbortSignal,
  ): { message: JsonRpcRequest; result: Promise<JsonObject> } {
    const nonce = randomBytes(16).toString('base64url');
    const id = `s:${this.bus.replicaId}:${nonce}.${seal(nonce, to)}`;
    const result = new Promise<JsonObject>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        reject(new JsonRpcError(ErrorCode.InternalError, 'the request was cancelled'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        to,
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

  /**
   * Takes a client's answer: settles the request here, or passes it to the replica waiting for
   * it. Throws (403, -32001) when the request was not sent to this session and caller, or does
   * not wait here any more.
   */
  deliver(response: JsonRpcResponse, from: Answerer): void {
    const id = typeof response.id === 'string' ? response.id : '';
    const match = REQUEST_ID.exec(id);
    const to = from.sessionId && { sessionId: from.sessionId, principal: from.caller.principal };
    if (!match?.[1] || !match[2] || !to || match[3] !== seal(match[2], to)) throw this.refuse(response, from);
    if (match[1] !== this.bus.replicaId) {
      this.bus.publish(CHANNELS.replica(match[1]), {
        type: 'response',
        response: response as unknown as JsonObject,
        ...to,
      });
      return;
    }
    if (!this.settle(response, to)) throw this.refuse(response, from);
  }

  /** Settles the request when it waits for this addressee; false (and nothing settled) otherwise. */
  private settle(response: JsonRpcResponse, from: Addressee): boolean {
    const waiting = this.pending.get(String(response.id));
    if (!waiting || !sameAddressee(waiting.to, from)) return false;
    this.pending.delete(String(response.id));
    if (response.error)
      waiting.reject(new JsonRpcError(response.error.code, response.error.message, response.error.data));
    else waiting.resolve((response.result ?? {}) as JsonObject);
    return true;
  }

  private refuse(response: JsonRpcResponse, from: Answerer): JsonRpcError {
    const shown = String(response.id).slice(0, SHOWN_ID_CHARS);
    this.audit.record({
      event: 'decision',
      caller: from.caller,
      sessionId: from.sessionId ?? '',
      method: 'answer',
      target: shown,
      outcome: 'denied',
      rule: 'server-request-binding',
    });
    const error = new JsonRpcError(
      ErrorCode.Forbidden,
      `Forbidden: request ${JSON.stringify(shown)} was not sent to this session, or no longer awaits an answer`,
    );
    error.http = { status: 403, headers: {} };
    return error;
  }
}
