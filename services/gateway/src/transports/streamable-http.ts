import { propagation, ROOT_CONTEXT } from '@mcp-fleet/sdk/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../auth/caller.js';
import { type GatewayCore, STANDALONE_STREAM } from '../engine/engine.js';
import {
  HttpError,
  httpErrorOf,
  httpErrors,
  invalidParams,
  invalidRequest,
  JsonRpcError,
  type WireError,
  wireErrorOf,
} from '../protocol/errors.js';
import { LOCAL_METHODS, type RequestContext } from '../dispatch/dispatcher.js';
import {
  type Classified,
  classify,
  type JsonRpcRequest,
  parseText,
  serializeResponse,
} from '../protocol/messages.js';
import {
  allowsBatches,
  DEFAULT_HEADER_VERSION,
  isSupportedVersion,
  SUPPORTED_VERSIONS,
  supportsStreamResumption,
} from '../protocol/versions.js';
import type { SessionData } from '../session/types.js';
import { streamOfEventId } from '../session/types.js';
import { openSseStream } from './sse-writer.js';

export interface StreamableHttpOptions {
  path: string;
  /** A forwarded request answered within this many ms, with nothing streamed, gets plain JSON. */
  jsonWindowMs: number;
  /** `retry:` hint for clients reconnecting to a released stream. */
  sseRetryMs: number;
  checkOrigin: (host: string | undefined, origin: string | undefined) => void;
  /** True once the gateway drains: new requests are refused so a balancer moves them elsewhere. */
  draining: () => boolean;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendHttpError(reply: FastifyReply, error: HttpError): FastifyReply {
  return reply
    .code(error.status)
    .headers(error.headers)
    .type('application/json')
    .send(serializeResponse(null, { error: { code: error.code, message: error.message } }));
}

/**
 * The most messages one 2025-03-26 batch may carry. Real clients batch a handful; the cap keeps
 * what one POST can cost bounded (a 4 MB body would otherwise hold two million items).
 */
export const MAX_BATCH_MESSAGES = 64;

/**
 * MCP Streamable HTTP (2025-03-26 and later) on one path: POST carries client messages, GET opens
 * the standalone stream or resumes any stream by Last-Event-ID, DELETE ends the session.
 */
export function registerStreamableHttp(
  app: FastifyInstance,
  core: GatewayCore,
  options: StreamableHttpOptions,
): void {
  const { sessions, events, logger } = core.deps;

  const guard = (request: FastifyRequest) =>
    options.checkOrigin(header(request, 'host'), header(request, 'origin'));

  /** The session named by the request, with its protocol-version header checked. */
  const sessionOf = async (request: FastifyRequest, caller: Caller): Promise<SessionData> => {
    const id = header(request, 'mcp-session-id');
    if (!id) throw httpErrors.missingSession();
    const session = await sessions.get(id).catch((err: Error) => {
      logger.warn({ err: err.message }, 'session lookup failed');
      throw httpErrors.storeUnavailable();
    });
    // Someone else's session id is answered exactly like an unknown one.
    if (!session || session.principal !== caller.principal) throw httpErrors.unknownSession();
    const version = header(request, 'mcp-protocol-version') ?? DEFAULT_HEADER_VERSION;
    if (!isSupportedVersion(version)) throw httpErrors.badProtocolVersion(version, SUPPORTED_VERSIONS);
    return session;
  };

  /** Origin checks and authentication before anything else; HttpErrors become their responses. */
  const handle =
    (fn: (request: FastifyRequest, reply: FastifyReply, caller: Caller) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        guard(request);
        const caller = await core.deps.authenticator.authenticate(
          { authorization: header(request, 'authorization'), 'x-api-key': header(request, 'x-api-key') },
          `${request.protocol}://${header(request, 'host') ?? 'localhost'}`,
        );
        return await fn(request, reply, caller);
      } catch (err) {
        if (err instanceof HttpError) return sendHttpError(reply, err);
        throw err;
      }
    };

  const baseContext = (
    request: FastifyRequest,
    session: SessionData,
    caller: Caller,
    message: JsonRpcRequest,
    signal: AbortSignal,
  ): RequestContext => ({
    session,
    caller,
    requestId: message.id,
    traceContext: propagation.extract(ROOT_CONTEXT, request.headers),
    headers: {},
    signal,
    emit: () => {},
    detach: () => {},
  });

  /** Answers one request: plain JSON when quick and quiet, otherwise an SSE stream. */
  const answer = async (
    httpRequest: FastifyRequest,
    reply: FastifyReply,
    session: SessionData,
    caller: Caller,
    request: JsonRpcRequest,
  ) => {
    // Created on upgrade: a plain JSON answer never needs a stream.
    let streamId = '';
    const resumable = supportsStreamResumption(session.protocolVersion);
    const { signal, end } = core.beginRequest(session.id, request.id);
    let mode: 'json' | 'sse' | 'released' = 'json';
    let stream: ReturnType<typeof openSseStream> | undefined;
    let release: () => void = () => {};

    const upgrade = () => {
      if (mode !== 'json') return;
      mode = 'sse';
      clearTimeout(timer);
      reply.hijack();
      stream = openSseStream(
        reply.raw,
        { ...ctx.headers, 'mcp-session-id': session.id },
        resumable ? options.sseRetryMs : undefined,
        () => release(),
        logger,
      );
      streamId = core.newStreamId();
      release = events.attachLocal(session.id, streamId, stream);
      if (resumable) events.append(session.id, streamId, '');
    };
    // The gateway's own answers are always plain JSON.
    const timer = LOCAL_METHODS.has(request.method) ? undefined : setTimeout(upgrade, options.jsonWindowMs);

    const ctx: RequestContext = {
      ...baseContext(httpRequest, session, caller, request, signal),
      emit(message) {
        upgrade();
        events.append(session.id, streamId, JSON.stringify(message));
      },
      detach(retryMs) {
        // Clients before 2025-11-25 cannot resume a stream: they keep theirs.
        if (!resumable || mode === 'released') return;
        upgrade();
        mode = 'released';
        stream?.end(retryMs);
      },
    };
    let outcome: { result: unknown } | { error: WireError };
    let http: JsonRpcError['http'];
    try {
      outcome = { result: await core.dispatcher.request(ctx, request.method, request.params ?? {}) };
    } catch (err) {
      outcome = { error: wireErrorOf(err) };
      if (err instanceof JsonRpcError) http = err.http;
      if (!(err instanceof JsonRpcError)) logger.error({ err, method: request.method }, 'request failed');
    } finally {
      clearTimeout(timer);
      end();
    }
    if (signal.aborted) {
      // A cancelled request gets no response (MCP cancellation); close a stream still open.
      if (mode === 'json') return reply.code(202).send();
      stream?.end();
      return reply;
    }
    const text = serializeResponse(request.id, outcome);
    if (mode === 'json') {
      return reply
        .code(http?.status ?? 200)
        .headers({ ...ctx.headers, ...http?.headers, 'mcp-session-id': session.id })
        .type('application/json')
        .send(text);
    }
    events.append(session.id, streamId, text, true);
    return reply;
  };

  /**
   * A notification or an answer from the client; a refusal (a malformed notification, an answer
   * not meant for this session) is returned, not thrown.
   */
  const onMessage = async (
    session: SessionData,
    caller: Caller,
    item: Extract<Classified, { kind: 'notification' | 'response' }>,
  ): Promise<JsonRpcError | undefined> => {
    if (item.kind === 'notification') {
      const malformed = core.receiveNotification(session.id, item.message);
      return malformed === undefined ? undefined : invalidParams(`Invalid params: ${malformed}`);
    }
    try {
      await core.serverRequests.deliver(item.message, { sessionId: session.id, caller });
      return undefined;
    } catch (err) {
      if (err instanceof JsonRpcError) return err;
      throw err;
    }
  };

  /**
   * A 2025-03-26 batch of at most MAX_BATCH_MESSAGES: notifications and responses are taken,
   * requests answered together, invalid items answered with their error.
   */
  const batch = async (
    httpRequest: FastifyRequest,
    reply: FastifyReply,
    session: SessionData,
    caller: Caller,
    items: unknown[],
  ) => {
    if (!allowsBatches(session.protocolVersion))
      throw httpErrors.invalidMessage(`batches are not part of MCP ${session.protocolVersion}`);
    if (items.length === 0) throw httpErrors.invalidMessage('empty batch');
    if (items.length > MAX_BATCH_MESSAGES)
      throw httpErrors.invalidMessage(`a batch holds at most ${MAX_BATCH_MESSAGES} messages`);
    const answers: string[] = [];
    for (const raw of items) {
      const item = classify(raw);
      if (item.kind === 'invalid') {
        answers.push(serializeResponse(item.requestId, { error: item.error }));
        continue;
      }
      if (item.kind !== 'request') {
        const refused = await onMessage(session, caller, item);
        if (refused) answers.push(serializeResponse(null, { error: refused.toJSON() }));
        continue;
      }
      if (item.message.method === 'initialize') {
        answers.push(
          serializeResponse(item.message.id, {
            error: invalidRequest('initialize cannot be batched').toJSON(),
          }),
        );
        continue;
      }
      const { signal, end } = core.beginRequest(session.id, item.message.id);
      const ctx = baseContext(httpRequest, session, caller, item.message, signal);
      try {
        answers.push(
          serializeResponse(item.message.id, {
            result: await core.dispatcher.request(ctx, item.message.method, item.message.params ?? {}),
          }),
        );
      } catch (err) {
        answers.push(serializeResponse(item.message.id, { error: wireErrorOf(err) }));
      } finally {
        end();
      }
    }
    if (answers.length === 0) return reply.code(202).send();
    return reply
      .header('mcp-session-id', session.id)
      .type('application/json')
      .send(`[${answers.join(',')}]`);
  };

  app.post(
    options.path,
    handle(async (request, reply, caller) => {
      const accept = header(request, 'accept') ?? '';
      if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
        throw httpErrors.notAcceptable('both application/json and text/event-stream');
      }
      const parsed = parseText((request.body as Buffer).toString('utf8'));
      if ('kind' in parsed) throw httpErrors.refusedMessage(parsed.error);
      if (Array.isArray(parsed.value))
        return batch(request, reply, await sessionOf(request, caller), caller, parsed.value);
      const item = classify(parsed.value);
      if (item.kind === 'invalid') throw httpErrors.refusedMessage(item.error);
      // While draining, answers and notifications still land (in-flight calls may wait on them).
      if (item.kind === 'request' && options.draining()) throw httpErrors.draining();
      if (item.kind === 'request' && item.message.method === 'initialize') {
        const { session, result } = core.dispatcher.initialize(
          item.message.params ?? {},
          core.newSessionId(),
          caller,
        );
        await sessions.create(session).catch((err: Error) => {
          logger.warn({ err: err.message }, 'session creation failed');
          throw httpErrors.storeUnavailable();
        });
        return reply
          .header('mcp-session-id', session.id)
          .type('application/json')
          .send(serializeResponse(item.message.id, { result }));
      }
      const session = await sessionOf(request, caller);
      if (item.kind !== 'request') {
        const refused = await onMessage(session, caller, item);
        if (refused) throw httpErrorOf(refused);
        return reply.code(202).send();
      }
      return answer(request, reply, session, caller, item.message);
    }),
  );

  app.get(
    options.path,
    handle(async (request, reply, caller) => {
      if (options.draining()) throw httpErrors.draining();
      if (!(header(request, 'accept') ?? '').includes('text/event-stream'))
        throw httpErrors.notAcceptable('text/event-stream');
      const session = await sessionOf(request, caller);
      const lastEventId = header(request, 'last-event-id');
      const streamId = lastEventId === undefined ? STANDALONE_STREAM : streamOfEventId(lastEventId);
      if (!streamId) throw httpErrors.invalidMessage(`unknown Last-Event-ID ${JSON.stringify(lastEventId)}`);
      const resumable = supportsStreamResumption(session.protocolVersion);
      reply.hijack();
      let detach: () => void = () => {};
      let releaseStandalone: () => void = () => {};
      const stream = openSseStream(
        reply.raw,
        { 'mcp-session-id': session.id },
        resumable ? options.sseRetryMs : undefined,
        () => {
          detach();
          releaseStandalone();
        },
        logger,
      );
      if (lastEventId !== undefined) {
        detach = await events.resume(session.id, streamId, lastEventId, stream);
      } else {
        detach = events.attachLocal(session.id, STANDALONE_STREAM, stream);
        if (resumable) events.append(session.id, STANDALONE_STREAM, '');
      }
      if (streamId === STANDALONE_STREAM && !stream.ended())
        releaseStandalone = core.holdStandalone(session.id);
      return reply;
    }),
  );

  app.delete(
    options.path,
    handle(async (request, reply, caller) => {
      const session = await sessionOf(request, caller);
      await core.deleteSession(session.id);
      return reply.code(200).send();
    }),
  );

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: options.path,
      handler: handle(async () => Promise.reject(httpErrors.methodNotAllowed())),
    });
  }
}
