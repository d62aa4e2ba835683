import type { Context } from '@mcp-fleet/sdk/telemetry';
import type { Caller } from '../auth/caller.js';
import { type GatewayCore, STANDALONE_STREAM } from '../core.js';
import { invalidRequest, JsonRpcError } from '../errors.js';
import type { SessionData } from '../session/types.js';
import type { RequestContext } from './dispatcher.js';
import {
  type Classified,
  classify,
  InvalidMessage,
  type JsonObject,
  type JsonRpcRequest,
  serializeResponse,
} from './messages.js';

function errorOf(err: unknown): JsonObject {
  if (err instanceof JsonRpcError) return err.toJSON();
  return { code: -32603, message: `Internal error: ${(err as Error)?.message ?? String(err)}` };
}

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

  /** One message from the client; never throws, answers errors on the channel. */
  async receive(text: string): Promise<void> {
    let item: Classified;
    try {
      const value: unknown = JSON.parse(text);
      if (Array.isArray(value)) throw invalidRequest('batches are not supported on this transport');
      item = classify(value);
    } catch (err) {
      const error =
        err instanceof SyntaxError ? { code: -32700, message: `Parse error: ${err.message}` } : errorOf(err);
      this.send(serializeResponse(err instanceof InvalidMessage ? err.requestId : null, { error }));
      return;
    }
    switch (item.kind) {
      case 'request':
        await this.request(item.message);
        return;
      case 'response':
        try {
          this.core.serverRequests.deliver(item.message, {
            sessionId: this.session?.id,
            caller: this.caller,
          });
        } catch (err) {
          // A refused answer has no request of the client's to answer: JSON-RPC's null id.
          this.send(serializeResponse(null, { error: errorOf(err) }));
        }
        return;
      case 'notification': {
        const params = item.message.params ?? {};
        if (
          item.message.method === 'notifications/cancelled' &&
          this.session &&
          params.requestId !== undefined
        ) {
          this.core.cancel(
            this.session.id,
            params.requestId as string | number,
            String(params.reason ?? 'cancelled by the client'),
          );
        }
        return;
      }
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
    let outcome: { result: unknown } | { error: JsonObject };
    try {
      outcome = { result: await this.core.dispatcher.request(ctx, message.method, message.params ?? {}) };
    } catch (err) {
      outcome = { error: errorOf(err) };
    } finally {
      end();
    }
    if (!signal.aborted) this.send(serializeResponse(message.id, outcome));
  }

  private async initialize(params: JsonObject): Promise<{ result: unknown } | { error: JsonObject }> {
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

  /** The channel is gone: so is the session, and everything still running for it. */
  async close(): Promise<void> {
    for (const release of this.release.splice(0)) release();
    if (this.session) await this.core.deleteSession(this.session.id).catch(() => {});
  }
}
