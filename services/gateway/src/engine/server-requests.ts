import { createHash, randomBytes } from 'node:crypto';
import { FleetError } from '@mcp-fleet/contract';
import { InflightTable } from '@mcp-fleet/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { RelayedError } from '../protocol/errors.js';
import {
  classify,
  type JsonObject,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../protocol/messages.js';
import { type Bus, CHANNELS } from '../session/types.js';

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
 * How long an answer passed to another replica waits for that replica to confirm it settled a
 * request. Over Redis on one network a confirmation takes about a millisecond; a replica that
 * stays silent this long (gone, or never existed) has no request waiting.
 */
const CONFIRM_TIMEOUT_MS = 1_000;

/**
 * Requests the gateway sends to clients (sampling, elicitation, roots) on behalf of providers.
 * Each is bound to the session and principal it was sent to; an answer from anywhere else, or
 * for a request that no longer waits, is refused and audited by the replica that took it, and
 * the request keeps waiting for its real answer. Ids carry the replica that waits, so an answer
 * POSTed to any replica finds its way back over the bus, and that replica says whether it took it.
 */
export class ServerRequests {
  private readonly pending = new InflightTable<Pending>();
  /** Answers passed to other replicas, by ticket, until those replicas confirm or time out. */
  private readonly confirmations = new InflightTable<(settled: boolean) => void>();

  constructor(
    private readonly bus: Bus,
    private readonly audit: AuditLog,
  ) {}

  async start(): Promise<() => void> {
    return this.bus.subscribe(CHANNELS.replica(this.bus.replicaId), (payload) => {
      if (payload.type === 'confirm') {
        this.confirmations.get(String(payload.ticket))?.(payload.settled === true);
        return;
      }
      if (payload.type !== 'response') return;
      // The replica that took the answer checked its shape and seal; checked again here, as
      // anything that arrives over the network is.
      const answer = classify(payload.response);
      const settled =
        answer.kind === 'response' &&
        typeof payload.sessionId === 'string' &&
        typeof payload.principal === 'string' &&
        this.settle(answer.message, { sessionId: payload.sessionId, principal: payload.principal });
      if (typeof payload.replyTo === 'string')
        this.bus.publish(CHANNELS.replica(payload.replyTo), {
          type: 'confirm',
          ticket: payload.ticket,
          settled,
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
        reject(new FleetError('InternalError', 'the request was cancelled'));
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
   * Takes a client's answer (already shaped by `classify`): settles the request here, or passes
   * it to the replica waiting for it and waits for that replica to confirm. Rejects (Forbidden,
   * audited here) when the request was not sent to this session and caller, or does not
   * wait for an answer any more, wherever it was sent from: answered already, ended, or naming a
   * replica that does not confirm within CONFIRM_TIMEOUT_MS.
   */
  async deliver(response: JsonRpcResponse, from: Answerer): Promise<void> {
    const id = typeof response.id === 'string' ? response.id : '';
    const match = REQUEST_ID.exec(id);
    const to = from.sessionId && { sessionId: from.sessionId, principal: from.caller.principal };
    if (!match?.[1] || !match[2] || !to || match[3] !== seal(match[2], to)) throw this.refuse(response, from);
    const settled =
      match[1] === this.bus.replicaId
        ? this.settle(response, to)
        : await this.passToReplica(match[1], response, to);
    if (!settled) throw this.refuse(response, from);
  }

  /** Passes an answer to `replica`; true once it confirms it settled the request. */
  private passToReplica(replica: string, response: JsonRpcResponse, to: Addressee): Promise<boolean> {
    const ticket = randomBytes(9).toString('base64url');
    return new Promise<boolean>((resolve) => {
      const done = (settled: boolean) => {
        clearTimeout(timer);
        this.confirmations.delete(ticket);
        resolve(settled);
      };
      const timer = setTimeout(() => done(false), CONFIRM_TIMEOUT_MS);
      this.confirmations.set(ticket, done);
      this.bus.publish(CHANNELS.replica(replica), {
        type: 'response',
        response: response as unknown as JsonObject,
        ...to,
        replyTo: this.bus.replicaId,
        ticket,
      });
    });
  }

  /** Settles the request when it waits for this addressee; false (and nothing settled) otherwise. */
  private settle(response: JsonRpcResponse, from: Addressee): boolean {
    const waiting = this.pending.get(String(response.id));
    if (!waiting || !sameAddressee(waiting.to, from)) return false;
    this.pending.delete(String(response.id));
    if (response.error)
      waiting.reject(new RelayedError(response.error.code, response.error.message, response.error.data));
    else waiting.resolve(response.result ?? {});
    return true;
  }

  private refuse(response: JsonRpcResponse, from: Answerer): FleetError {
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
    return new FleetError(
      'Forbidden',
      `Forbidden: request ${JSON.stringify(shown)} was not sent to this session, or no longer awaits an answer`,
    );
  }
}
