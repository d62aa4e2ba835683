import { InflightTable } from '@mcp-fleet/runtime';
import type { Context } from '@mcp-fleet/runtime/telemetry';
import type { Caller } from '../auth/caller.js';
import { invalidRequest, wireErrorOf } from '../protocol/errors.js';
import {
  type Classified,
  classify,
  invalidMessage,
  type JsonRpcRequest,
  parseText,
  type RequestId,
  requestIdKey,
  serializeResponse,
} from '../protocol/messages.js';
import type { SessionData } from '../session/types.js';
import type { Dialect, Envelope } from './dialect.js';
import type { SessionEngine } from './engine.js';

/** What a channel transport gives a conversation: its caller, its way out, its headers. */
export interface Channel {
  caller: Caller;
  /** One serialised message to the client. */
  send(text: string): void;
  envelope: Envelope;
  traceContext?: Context;
  /** True on a transport only session-era clients use (HTTP+SSE): stateless requests are refused. */
  sessionsOnly?: boolean;
}

/** A stateless request on a channel that predates MCP 2026-07-28. */
const statelessRefused = () =>
  invalidRequest(
    'Invalid Request: MCP 2026-07-28 is not spoken on the HTTP+SSE transport (2024-11-05 to 2025-11-25 only): use Streamable HTTP, WebSocket or gRPC',
  );

const idInFlight = (id: RequestId) =>
  invalidRequest(
    `Invalid Request: request id ${JSON.stringify(id)} is already in flight on this channel (ids of concurrent requests must be unique)`,
  );

/**
 * A conversation whose messages travel both ways on one channel (a WebSocket, a legacy SSE stream
 * with its POST endpoint, a gRPC stream): it opens with `initialize` on the channel and ends with
 * the channel. Requests run concurrently; everything the server sends — responses, progress, logs,
 * server-to-client requests, list changes — goes down the same channel. A stateless (2026-07-28)
 * request needs no opening: each frame's `_meta` selects the dialect, and its answer, progress and
 * logs go down the channel too.
 */
export class Conversation {
  private session: SessionData | undefined;
  /** Messages after `initialize` wait for it: the channel is ordered, the session must exist. */
  private initializing: Promise<unknown> | undefined;
  private release: (() => void)[] = [];
  /**
   * Stateless requests running, by id: the session each was given once it has one, for cancelling
   * it. An id is taken before its session is made, so a second request with it is refused.
   */
  private readonly alone = new InflightTable<{ id: RequestId; sessionId: string | undefined }>();
  private closed = false;

  constructor(
    private readonly engine: SessionEngine,
    private readonly channel: Channel,
  ) {}

  get sessionId(): string | undefined {
    return this.session?.id;
  }

  /**
   * One message from the client, handled in the background: errors are answered on the channel,
   * and whatever escapes that is logged by the engine, so an edge never holds a promise that can
   * reject.
   */
  receive(text: string): void {
    this.handle(text).catch((err: unknown) => this.engine.logFailure(err, this.session?.id));
  }

  /** The channel is gone: so is the session, and everything still running for it. Never rejects. */
  async close(): Promise<void> {
    this.closed = true;
    for (const release of this.release.splice(0)) release();
    for (const { id, sessionId } of this.alone.values())
      if (sessionId !== undefined) this.engine.cancelLocal(sessionId, id, 'channel closed');
    if (this.session) await this.engine.endSession(this.session.id).catch(() => {});
  }

  private async handle(text: string): Promise<void> {
    const parsed = parseText(text);
    const item: Classified =
      'kind' in parsed
        ? parsed
        : Array.isArray(parsed.value)
          ? invalidMessage('batches are not supported on this transport')
          : classify(parsed.value);
    if (item.kind === 'invalid') {
      this.channel.send(serializeResponse(item.requestId, { error: item.error }));
      return;
    }
    if (item.kind === 'request') {
      await this.request(item.message);
      return;
    }
    const refused = await this.engine.take(this.sessionOfMessage(item), this.channel.caller, item);
    // A refused answer has no request of the client's to answer: JSON-RPC's null id. A
    // notification gets no reply, refused or not.
    if (refused && item.kind === 'response')
      this.channel.send(serializeResponse(null, { error: refused.toWire() }));
  }

  /** The session a client notification concerns: a stateless request's when it cancels one. */
  private sessionOfMessage(item: Exclude<Classified, { kind: 'invalid' | 'request' }>): string | undefined {
    const cancelled = item.kind === 'notification' ? item.message.params?.requestId : undefined;
    const alone =
      typeof cancelled === 'string' || typeof cancelled === 'number'
        ? this.alone.get(requestIdKey(cancelled))?.sessionId
        : undefined;
    return alone ?? this.session?.id;
  }

  private async request(message: JsonRpcRequest): Promise<void> {
    const dialect = this.engine.dialectFor(this.channel.envelope, message);
    if (dialect.stateless) return this.requestAlone(dialect, message);
    const { send } = this.channel;
    if (dialect.opens(message)) {
      const opened = this.open(dialect, message);
      this.initializing ??= opened;
      send(await opened);
      return;
    }
    await this.initializing;
    const session = this.session
      ? await this.engine.lookup(this.session.id).catch(() => undefined)
      : undefined;
    if (!session) {
      const reason = this.session ? 'the session expired or ended: reconnect' : 'send initialize first';
      send(serializeResponse(message.id, { error: invalidRequest(`Invalid Request: ${reason}`).toWire() }));
      return;
    }
    await this.answer(session, message);
  }

  /** One request answered down the channel: what it sends before its answer too. */
  private async answer(session: SessionData, message: JsonRpcRequest): Promise<void> {
    const { send, caller, traceContext } = this.channel;
    const answer = await this.engine.answer(session, caller, message, {
      traceContext,
      headers: {},
      emit: (m) => send(JSON.stringify(m)),
      // The channel stays open for the whole call: there is nothing to release.
      detach: () => {},
    });
    if (!answer.cancelled) send(answer.text);
  }

  /**
   * A stateless request: its own session, from its `_meta`; refusals answer it by id. JSON-RPC ids
   * of concurrent requests are unique: one already in flight on the channel is refused, so every
   * request the channel started stays known until it ends, and closing the channel cancels it.
   */
  private async requestAlone(dialect: Dialect, message: JsonRpcRequest): Promise<void> {
    const { id } = message;
    const key = requestIdKey(id);
    if (this.alone.has(key)) {
      this.channel.send(serializeResponse(id, { error: idInFlight(id).toWire() }));
      return;
    }
    this.alone.set(key, { id, sessionId: undefined });
    try {
      let session: SessionData;
      try {
        if (this.channel.sessionsOnly) throw statelessRefused();
        session = await this.engine.sessionOf(dialect, this.channel.envelope, this.channel.caller, message);
      } catch (err) {
        this.channel.send(serializeResponse(id, { error: wireErrorOf(err) }));
        return;
      }
      if (this.closed) return;
      this.alone.set(key, { id, sessionId: session.id });
      await this.answer(session, message);
    } finally {
      this.alone.delete(key);
    }
  }

  private async open(dialect: Dialect, message: JsonRpcRequest): Promise<string> {
    if (this.session)
      return serializeResponse(message.id, {
        error: invalidRequest('Invalid Request: the session is already initialized').toWire(),
      });
    try {
      const { session, text } = await this.engine.open(dialect, message, this.channel.caller);
      this.session = session;
      // List changes and resource updates of this session arrive on the channel.
      this.release.push(this.engine.streams.attachChannel(session.id, this.channel.send));
      return text;
    } catch (err) {
      return serializeResponse(message.id, { error: wireErrorOf(err) });
    }
  }
}
