import { FleetError } from '@mcp-fleet/contract';
import { contextFromHeaders } from '@mcp-fleet/runtime/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../auth/caller.js';
import type { Dialect, Envelope } from '../engine/dialect.js';
import type { SessionEngine } from '../engine/engine.js';
import { type ExchangeReply, handleExchange } from '../engine/exchange.js';
import { STANDALONE_STREAM } from '../engine/session-streams.js';
import { refusals } from '../protocol/errors.js';
import { scanRequestId } from '../protocol/json-scan.js';
import { streamOfEventId } from '../session/types.js';
import { type HttpAnswerOptions, httpAnswer } from './http-answer.js';
import { baseUrlOf, credentialsOf, envelopeOf, header, sendFleetError } from './http-exchange.js';
import { openSseStream } from './sse-writer.js';

export interface StreamableHttpOptions extends HttpAnswerOptions {
  path: string;
  checkOrigin: (host: string | undefined, origin: string | undefined) => void;
}

/** The dialect of a GET or DELETE: only sessions have streams to open and ends to announce. */
function sessionful(engine: SessionEngine, envelope: Envelope): Dialect {
  const dialect = engine.dialectFor(envelope);
  if (dialect.stateless) throw refusals.methodNotAllowed();
  return dialect;
}

/**
 * MCP Streamable HTTP (2025-03-26 and later) on one path: POST carries client messages, GET opens
 * the standalone stream or resumes any stream by Last-Event-ID, DELETE ends the session. Framing
 * only: the engine decides what each exchange means.
 */
export function registerStreamableHttp(
  app: FastifyInstance,
  engine: SessionEngine,
  options: StreamableHttpOptions,
): void {
  /** Origin checks and authentication before anything else; FleetErrors become their responses. */
  const handle =
    (fn: (request: FastifyRequest, reply: FastifyReply, caller: Caller) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        options.checkOrigin(header(request, 'host'), header(request, 'origin'));
        const caller = await engine.authenticate(credentialsOf(request), baseUrlOf(request));
        return await fn(request, reply, caller);
      } catch (err) {
        if (err instanceof FleetError) return sendFleetError(reply, err);
        throw err;
      }
    };

  const exchangeReply = (request: FastifyRequest, reply: FastifyReply): ExchangeReply => {
    const traceContext = contextFromHeaders(request.headers);
    return {
      traceContext,
      accepted: () => reply.code(202).send(),
      json: (text, sessionId) =>
        (sessionId === undefined ? reply : reply.header('mcp-session-id', sessionId))
          .type('application/json')
          .send(text),
      refused: (error, requestId) => sendFleetError(reply, error, requestId),
      answering: (session, dialect, message) =>
        httpAnswer(engine, reply, { session, dialect, request: message, traceContext }, options),
    };
  };

  app.post(
    options.path,
    handle(async (request, reply, caller) => {
      const accept = header(request, 'accept') ?? '';
      if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
        throw refusals.notAcceptable('both application/json and text/event-stream');
      }
      const text = (request.body as Buffer).toString('utf8');
      const envelope: Envelope = envelopeOf(request);
      envelope.routesRequests = true;
      try {
        envelope.screening = await engine.screen(envelope, caller);
      } catch (err) {
        // Refused by its routing headers: the body is scanned for its id, never parsed.
        if (err instanceof FleetError) return sendFleetError(reply, err, scanRequestId(text));
        throw err;
      }
      await handleExchange(engine, envelope, caller, text, exchangeReply(request, reply));
      return reply;
    }),
  );

  app.get(
    options.path,
    handle(async (request, reply, caller) => {
      engine.refuseWhileDraining();
      if (!(header(request, 'accept') ?? '').includes('text/event-stream'))
        throw refusals.notAcceptable('text/event-stream');
      const envelope = envelopeOf(request);
      const dialect = sessionful(engine, envelope);
      const session = await engine.sessionOf(dialect, envelope, caller);
      const lastEventId = header(request, 'last-event-id');
      const streamId = lastEventId === undefined ? STANDALONE_STREAM : streamOfEventId(lastEventId);
      if (!streamId) throw refusals.invalidMessage(`unknown Last-Event-ID ${JSON.stringify(lastEventId)}`);
      const resumable = dialect.resumable(session);
      reply.hijack();
      let release: () => void = () => {};
      const stream = openSseStream(
        reply.raw,
        { 'mcp-session-id': session.id },
        resumable ? options.sseRetryMs : undefined,
        () => release(),
        options.logger,
      );
      release = await engine.streams.connect(session.id, streamId, lastEventId, stream, resumable);
      return reply;
    }),
  );

  app.delete(
    options.path,
    handle(async (request, reply, caller) => {
      const envelope = envelopeOf(request);
      const session = await engine.sessionOf(sessionful(engine, envelope), envelope, caller);
      await engine.endSession(session.id);
      return reply.code(200).send();
    }),
  );

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: options.path,
      handler: handle(async () => Promise.reject(refusals.methodNotAllowed())),
    });
  }
}
