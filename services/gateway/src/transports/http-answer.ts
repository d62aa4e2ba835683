import type { Context } from '@mcp-fleet/runtime/telemetry';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Dialect } from '../engine/dialect.js';
import type { SessionEngine } from '../engine/engine.js';
import type { AnswerOutlet } from '../engine/exchange.js';
import type { RequestStream } from '../engine/session-streams.js';
import type { JsonRpcRequest } from '../protocol/messages.js';
import type { SessionData } from '../session/types.js';
import { answerStatus } from './http-exchange.js';
import { KEEPALIVE_MS, openSseStream, type SseStream } from './sse-writer.js';

export interface HttpAnswerOptions {
  /** A request answered within this many ms, with nothing streamed, gets plain JSON. */
  jsonWindowMs: number;
  /** `retry:` hint for clients reconnecting to a released stream. */
  sseRetryMs: number;
  logger: Logger;
}

/**
 * Where one request's answer goes on a Streamable HTTP POST: plain JSON when quick and quiet,
 * otherwise an SSE stream, which sessions that can resume may release and pick up again.
 */
export function httpAnswer(
  engine: SessionEngine,
  reply: FastifyReply,
  answering: { session: SessionData; dialect: Dialect; request: JsonRpcRequest; traceContext: Context },
  options: HttpAnswerOptions,
): AnswerOutlet {
  const { session, dialect, request, traceContext } = answering;
  const resumable = dialect.resumable(session);
  // A stateless request has no session to name, and its stream no log to be resumed from.
  const sessionHeader: Record<string, string> = dialect.stateless ? {} : { 'mcp-session-id': session.id };
  const headers: Record<string, string> = {};
  let mode: 'json' | 'sse' | 'released' = 'json';
  let sse: SseStream | undefined;
  // Opened on upgrade: a plain JSON answer never needs a stream.
  let stream: RequestStream | undefined;

  const upgrade = () => {
    // Answered already (by the error handler, when answering failed): nothing left to stream.
    if (mode !== 'json' || reply.sent) return;
    mode = 'sse';
    clearTimeout(timer);
    reply.hijack();
    sse = openSseStream(
      reply.raw,
      { ...headers, ...sessionHeader },
      resumable ? options.sseRetryMs : undefined,
      () => stream?.release(),
      options.logger,
    );
    stream = dialect.stateless
      ? directStream(sse)
      : engine.streams.openRequestStream(session.id, sse, resumable);
  };
  let finished = false;
  // Without sessions there is no cancel message: a client that hangs up cancels (2026-07-28).
  if (dialect.stateless)
    reply.raw.on('close', () => {
      if (!finished) engine.cancelLocal(session.id, request.id, 'the client closed the connection');
    });
  // The gateway's own answers are always plain JSON. A 2026-07-28 answer's HTTP status carries its
  // error class (400 for a missing capability, 404, 403...), which a stream opened on a timer would
  // lose: it stays JSON until something is streamed or a keepalive falls due.
  const window = dialect.stateless ? KEEPALIVE_MS : options.jsonWindowMs;
  const timer = engine.answersAtOnce(request.method) ? undefined : setTimeout(upgrade, window);

  return {
    traceContext,
    headers,
    emit(message) {
      upgrade();
      stream?.emit(JSON.stringify(message));
    },
    detach(retryMs) {
      // Clients before 2025-11-25 cannot resume a stream: they keep theirs.
      if (!resumable || mode === 'released') return;
      upgrade();
      mode = 'released';
      sse?.end(retryMs);
    },
    finish(answer) {
      finished = true;
      clearTimeout(timer);
      if (answer.cancelled) {
        // A cancelled request gets no response (MCP cancellation); close a stream still open.
        if (mode === 'json') reply.code(202).send();
        else sse?.end();
        return;
      }
      if (mode !== 'json') {
        stream?.finish(answer.text);
        return;
      }
      const status = answerStatus(answer.error, dialect.stateless);
      reply
        .code(status.status)
        .headers({ ...headers, ...status.headers, ...sessionHeader })
        .type('application/json')
        .send(answer.text);
    },
  };
}

/** A request stream written straight to its SSE response: events without ids, kept nowhere. */
function directStream(sse: SseStream): RequestStream {
  return {
    emit: (text) => sse.write('', text, false),
    finish: (text) => sse.write('', text, true),
    release: () => {},
  };
}
