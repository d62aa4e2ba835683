import { randomBytes } from 'node:crypto';
import { FleetError } from '@mcp-fleet/contract';
import type { Context } from '@mcp-fleet/runtime/telemetry';
import type { Logger } from 'pino';
import type { Authenticator, Credentials } from '../auth/authenticator.js';
import type { Caller } from '../auth/caller.js';
import type { ProviderRegistry } from '../catalog/registry.js';
import { readNotification } from '../protocol/client-notifications.js';
import { invalidParams, refusals, wireErrorOf } from '../protocol/errors.js';
import {
  isId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
  serializeResponse,
} from '../protocol/messages.js';
import { type Bus, CHANNELS, type EventLog, type SessionData, type SessionStore } from '../session/types.js';
import type { Dialect, Envelope } from './dialect.js';
import { InflightRequests } from './inflight.js';
import type { RequestContext, RequestHandler, Screening } from './request-context.js';
import type { ServerRequests } from './server-requests.js';
import { sessionDialect } from './session-dialect.js';
import { SessionStreams } from './session-streams.js';

export interface EngineDeps {
  handler: RequestHandler;
  serverRequests: ServerRequests;
  authenticator: Authenticator;
  sessions: SessionStore;
  events: EventLog;
  bus: Bus;
  registry: ProviderRegistry;
  logger: Logger;
  /** The dialects spoken, the first that claims an exchange wins (the session dialect by default). */
  dialects?: Dialect[];
}

/** Where what a request sends before its answer goes: the transport's side of one request. */
export interface Outlet {
  traceContext?: Context;
  /** Filled in while the request runs (RateLimit-*): headers for edges that have them. */
  headers: Record<string, string>;
  /** The request's own headers (a 2026-07-28 POST): what its routing headers are checked against. */
  envelope?: Envelope;
  emit(message: JsonRpcMessage): void;
  detach(retryMs: number): void;
}

/** How a request ended: its serialised answer, and the error it carries when it failed. */
export interface Answer {
  text: string;
  error?: FleetError;
  /** Cancelled by the client, the session's end or shutdown: MCP sends no answer then. */
  cancelled: boolean;
}

/**
 * The protocol engine: everything a conversation with a client needs, whatever carries it —
 * authentication, opening and finding sessions (through the dialect an exchange speaks),
 * answering requests, cancelling them, client answers to server→client requests, and the
 * streams kept for resumption. Transports frame messages and call this; nothing else.
 */
export class SessionEngine {
  readonly streams: SessionStreams;
  private readonly inflight = new InflightRequests();
  private readonly cleanups: (() => void)[] = [];
  private readonly dialects: Dialect[];
  private isDraining = false;

  constructor(private readonly deps: EngineDeps) {
    this.streams = new SessionStreams(deps);
    this.dialects = deps.dialects ?? [sessionDialect];
  }

  async start(): Promise<void> {
    const { bus, serverRequests } = this.deps;
    this.cleanups.push(
      await serverRequests.start(),
      await bus.subscribe(CHANNELS.cancel, (p) => {
        if (typeof p.sessionId === 'string' && isId(p.requestId))
          this.inflight.abort(p.sessionId, p.requestId, typeof p.reason === 'string' ? p.reason : '');
      }),
      await bus.subscribe(CHANNELS.sessionGone, (p) => this.forgetLocal(String(p.sessionId))),
    );
    this.streams.start();
  }

  close(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.streams.close();
  }

  /**
   * From now on readiness fails and new long-lived conversations (streams, WebSockets, gRPC
   * Sessions) are refused; requests on connections already open are still answered.
   */
  startDraining(): void {
    this.isDraining = true;
  }

  get draining(): boolean {
    return this.isDraining;
  }

  refuseWhileDraining(): void {
    if (this.draining) throw refusals.draining();
  }

  get inflightCount(): number {
    return this.inflight.count;
  }

  /** Sessions whose standalone stream (or channel) is connected to this replica. */
  get connectedSessions(): number {
    return this.streams.connected;
  }

  /** Aborts one request running on this replica (a stateless request whose client went away). */
  cancelLocal(sessionId: string, requestId: RequestId, reason: string): void {
    this.inflight.abort(sessionId, requestId, reason);
  }

  /** Aborts every in-flight request on this replica (shutdown). */
  abortAll(reason: string): void {
    this.inflight.abortAll(reason);
  }

  /** Logs what escaped a message handled in the background: nothing is left to answer it. */
  logFailure(err: unknown, sessionId: string | undefined): void {
    this.deps.logger.error({ err, sessionId }, 'a channel message failed');
  }

  /** The caller of an exchange; refuses with Unauthenticated / Forbidden (with a challenge). */
  authenticate(credentials: Credentials, baseUrl: string): Promise<Caller> {
    return this.deps.authenticator.authenticate(credentials, baseUrl);
  }

  /** Admission by an exchange's routing headers before its body is read, when the handler does it. */
  async screen(envelope: Envelope, caller: Caller): Promise<Screening | undefined> {
    return this.deps.handler.screen?.(caller, envelope);
  }

  dialectFor(envelope: Envelope, message?: JsonRpcRequest): Dialect {
    return this.dialects.find((d) => d.speaks(envelope, message)) ?? sessionDialect;
  }

  /** Opens a conversation: the session its opening request starts, stored, and the answer. */
  async open(
    dialect: Dialect,
    message: JsonRpcRequest,
    caller: Caller,
  ): Promise<{ session: SessionData; text: string }> {
    const id = randomBytes(24).toString('base64url');
    const { session, result } = dialect.open(message.params ?? {}, id, caller, this.deps.handler.describe());
    await this.deps.sessions.create(session).catch((err: Error) => {
      this.deps.logger.warn({ err: err.message }, 'session creation failed');
      throw refusals.storeUnavailable();
    });
    return { session, text: serializeResponse(message.id, { result }) };
  }

  /** The session an exchange (carrying `message` when it is one request) belongs to, as its dialect says. */
  sessionOf(
    dialect: Dialect,
    envelope: Envelope,
    caller: Caller,
    message?: JsonRpcRequest,
  ): Promise<SessionData> {
    return dialect.sessionOf(envelope, caller, (id) => this.lookup(id), message);
  }

  /** A stored session by id; refuses as unavailable when the store cannot answer. */
  lookup(id: string): Promise<SessionData | undefined> {
    return this.deps.sessions.get(id).catch((err: Error) => {
      this.deps.logger.warn({ err: err.message }, 'session lookup failed');
      throw refusals.storeUnavailable();
    });
  }

  /** Answers one request of a session; never rejects. */
  async answer(
    session: SessionData,
    caller: Caller,
    request: JsonRpcRequest,
    outlet: Outlet,
  ): Promise<Answer> {
    const running = this.inflight.begin(session.id, request.id);
    let emitted = false;
    const ctx: RequestContext = {
      session,
      caller,
      requestId: request.id,
      traceContext: outlet.traceContext,
      headers: outlet.headers,
      envelope: outlet.envelope,
      cancellation: running.cancellation,
      abort: running.abort,
      emit: (message) => {
        emitted = true;
        outlet.emit(message);
      },
      detach: (retryMs) => outlet.detach(retryMs),
    };
    let text: string;
    let error: FleetError | undefined;
    try {
      const result = await this.deps.handler.request(ctx, request.method, request.params ?? {});
      text = serializeResponse(request.id, { result });
    } catch (err) {
      if (err instanceof FleetError) error = err;
      else this.deps.logger.error({ err, method: request.method }, 'request failed');
      text = serializeResponse(request.id, { error: wireErrorOf(err) });
    } finally {
      running.end();
    }
    // The official v1 SDK client handles a notification a microtask late, so a progress
    // notification read in the same chunk as its request's answer finds its handler gone. An
    // answer that followed notifications waits for the next turn's check phase: one poll phase
    // (where a client in this process reads them) passes between them.
    if (emitted) await nextTurn();
    return { text, error, cancelled: running.cancelled() };
  }

  /**
   * A client notification or answer: acted on, or refused with the FleetError returned (a
   * malformed notification, an answer not meant for this session and caller). A notification
   * before the session exists has nothing to act on.
   */
  async take(
    sessionId: string | undefined,
    caller: Caller,
    item:
      | { kind: 'notification'; message: JsonRpcNotification }
      | { kind: 'response'; message: JsonRpcResponse },
  ): Promise<FleetError | undefined> {
    if (item.kind === 'notification') {
      if (sessionId === undefined) return undefined;
      const malformed = this.receiveNotification(sessionId, item.message);
      return malformed === undefined ? undefined : invalidParams(`Invalid params: ${malformed}`);
    }
    try {
      await this.deps.serverRequests.deliver(item.message, { sessionId, caller });
      return undefined;
    } catch (err) {
      if (err instanceof FleetError) return err;
      throw err;
    }
  }

  /** Answers true for methods worth no stream: the gateway answers them at once. */
  answersAtOnce(method: string): boolean {
    return this.deps.handler.answersAtOnce(method);
  }

  async endSession(sessionId: string): Promise<boolean> {
    const existed = await this.deps.sessions.delete(sessionId);
    this.deps.bus.publish(CHANNELS.sessionGone, { sessionId });
    return existed;
  }

  /**
   * Acted on once its params passed their schema (a cancellation may concern a request running on
   * any replica); returns why it was dropped when it was malformed.
   */
  private receiveNotification(sessionId: string, message: JsonRpcNotification): string | undefined {
    const read = readNotification(message);
    if ('malformed' in read) {
      // Debug only: a client can send these as fast as it likes.
      this.deps.logger.debug({ sessionId, reason: read.malformed }, 'dropped a malformed notification');
      return read.malformed;
    }
    if ('notification' in read && read.notification.method === 'notifications/cancelled') {
      const { requestId, reason = 'cancelled by the client' } = read.notification;
      this.deps.bus.publish(CHANNELS.cancel, { sessionId, requestId, reason });
    }
    return undefined;
  }

  private forgetLocal(sessionId: string): void {
    this.inflight.abortSession(sessionId);
    this.streams.forget(sessionId);
  }
}

/** Resolves in the check phase of the event loop's next turn, after its poll phase. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
