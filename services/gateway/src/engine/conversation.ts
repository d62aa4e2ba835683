import type { Context } from '@mcp-fleet/sdk/telemetry';
import type { Caller } from '../auth/caller.js';
import { type GatewayCore, STANDALONE_STREAM } from './engine.js';
import { invalidRequest, JsonRpcError, type WireError, wireErrorOf } from '../protocol/errors.js';
import type { SessionData } from '../session/types.js';
import type { RequestContext } from '../dispatch/dispatcher.js';
import {
  type Classified,
  classify,
  invalidMessage,
  type JsonObject,
  type JsonRpcRequest,
  parseText,
  serializeResponse,
} from '../protocol/messages.js';

/**
 * An MCP session whose messages travel both ways on one channel (a WebSocket, a legacy SSE stream
 * with its POST endpoint, a gRPC stream): it starts with `initialize` on the channel and ends with
 * the channel. Requests run concurrently; everything the server sends — responses, progress, logs,
 * server-to-client requests, list changes — goes down the same channel.
 */
export class ChannelSession {
  private session: SessionData | undefined;
  /** Messages after `initialize` wait for it: the channel is ordered, the session must exist. */
  private initializing: Promise<unknown> | undefined;
  private release: (() => void)[] = [];

  constructor(
    private readonly core: GatewayCore,
    private readonly caller: Caller,
    private readonly send: (text: string) => void,
    private readonly traceContext?: Context,
  ) {}

  get sessionId(): string | undefined {
    return this.session?.id;
  }

  /**
   * One message from the client, handled in the background: errors are answered on the channel,
   * and whatever escapes that is logged here, so an edge never holds a promise that can reject.
   */
  receive(text: string): void {
    this.handle(text).catch((err: unknown) =>
      this.core.deps.logger.error({ err, sessionId: this.session?.id }, 'a channel message failed'),
    );
  }

  private async handle(text: string): Promise<void> {
    const parsed = parseText(text);
    const item: Classified =
      'kind' in parsed
        ? parsed
        : Array.isArray(parsed.value)
          ? invalidMessage('batches are not supported on this transport')
          : classify(parsed.value);
    switch (item.kind) {
      case 'invalid':
        this.send(serializeResponse(item.requestId, { error: item.error }));
        return;
      case 'request':
        await this.request(item.message);
        return;
      case 'response':
        try {
          await this.core.serverRequests.deliver(item.message, {
            sessionId: this.session?.id,
            caller: this.caller,
          });
        } catch (err) {
          // A refused answer has no request of the client's to answer: JSON-RPC's null id.
          this.send(serializeResponse(null, { error: wireErrorOf(err) }));
        }
        return;
      case 'notification':
        // Nothing to act on before initialize: there is no session to cancel anything in.
        if (this.session) this.core.receiveNotification(this.session.id, item.message);
        return;
    }
  }

  private async request(message: JsonRpcRequest): Promise<void> {
    if (message.method === 'initialize') {
      const initialized = this.initialize(message.params ?? {});
      this.initializing ??= initialized;
      this.send(serializeResponse(message.id, await initialized));
      return;
    }
    await this.initializing;
    const session = this.session
      ? await this.core.deps.sessions.get(this.session.id).catch(() => undefined)
      : undefined;
    if (!session) {
      const reason = this.session ? 'the session expired or ended: reconnect' : 'send initialize first';
      this.send(
        serializeResponse(message.id, { error: invalidRequest(`Invalid Request: ${reason}`).toJSON() }),
      );
      return;
    }
    const { signal, end } = this.core.beginRequest(session.id, message.id);
    const ctx: RequestContext = {
      session,
      caller: this.caller,
      requestId: message.id,
      traceContext: this.traceContext,
      headers: {},
      signal,
      emit: (m) => this.send(JSON.stringify(m)),
      // The channel stays open for the whole call: there is nothing to release.
      detach: () => {},
    };
    let outcome: { result: unknown } | { error: WireError };
    try {
      outcome = { result: await this.core.dispatcher.request(ctx, message.method, message.params ?? {}) };
    } catch (err) {
      outcome = { error: wireErrorOf(err) };
    } finally {
      end();
    }
    if (!signal.aborted) this.send(serializeResponse(message.id, outcome));
  }

  private async initialize(params: JsonObject): Promise<{ result: unknown } | { error: WireError }> {
    if (this.session)
      return { error: invalidRequest('Invalid Request: the session is already initialized').toJSON() };
    const { session, result } = this.core.dispatcher.initialize(
      params,
      this.core.newSessionId(),
      this.caller,
    );
    try {
      await this.core.deps.sessions.create(session);
    } catch {
      return {
        error: new JsonRpcError(
          -32003,
          'Service Unavailable: the session store is unreachable, retry shortly',
        ).toJSON(),
      };
    }
    this.session = session;
    // List changes and resource updates of this session arrive on the channel.
    this.release.push(
      this.core.deps.events.attachLocal(session.id, STANDALONE_STREAM, {
        write: (_id, data) => {
          if (data) this.send(data);
        },
        close: () => {},
      }),
      this.core.holdStandalone(session.id),
    );
    return { result };
  }

  /** The channel is gone: so is the session, and everything still running for it. Never rejects. */
  async close(): Promise<void> {
    for (const release of this.release.splice(0)) release();
    if (this.session) await this.core.deleteSession(this.session.id).catch(() => {});
  }
}
