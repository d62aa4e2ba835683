import { FleetError } from '@mcp-fleet/contract';
import type { Context } from '@mcp-fleet/runtime/telemetry';
import type { Caller } from '../auth/caller.js';
import { invalidRequest, refusals } from '../protocol/errors.js';
import { classify, type JsonRpcRequest, parseText, serializeResponse } from '../protocol/messages.js';
import type { SessionData } from '../session/types.js';
import type { Dialect, Envelope } from './dialect.js';
import type { Answer, Outlet, SessionEngine } from './engine.js';

/**
 * The most messages one 2025-03-26 batch may carry. Real clients batch a handful; the cap keeps
 * what one POST can cost bounded (a 4 MB body would otherwise hold two million items).
 */
export const MAX_BATCH_MESSAGES = 64;

/** The outlet of one request's answer on an exchange; `finish` delivers the answer. */
export interface AnswerOutlet extends Outlet {
  finish(answer: Answer): void;
}

/** The transport's side of one request/response exchange (a Streamable HTTP POST): framing only. */
export interface ExchangeReply {
  traceContext?: Context;
  /** Nothing to answer: the messages were taken. */
  accepted(): void;
  /** The whole answer at once: one message, or a batch's array; a session's names it. */
  json(text: string, sessionId?: string): void;
  /** One request refused before it was answered, by its id (stateless requests). */
  refused(error: FleetError, requestId: JsonRpcRequest['id']): void;
  /** Where one request's answer goes; it may stream what the request sends before it. */
  answering(session: SessionData, dialect: Dialect, request: JsonRpcRequest): AnswerOutlet;
}

/**
 * One client text arriving on a request/response exchange: refused as a whole with a thrown
 * FleetError (unparseable, malformed, no such session), or answered through `reply`.
 */
export async function handleExchange(
  engine: SessionEngine,
  envelope: Envelope,
  caller: Caller,
  text: string,
  reply: ExchangeReply,
): Promise<void> {
  const parsed = parseText(text);
  if ('kind' in parsed) throw refusals.refusedMessage(parsed.error);
  if (Array.isArray(parsed.value)) {
    const dialect = engine.dialectFor(envelope);
    const session = await engine.sessionOf(dialect, envelope, caller);
    const answers = await answerBatch(engine, dialect, session, caller, parsed.value, reply.traceContext);
    return answers.length === 0 ? reply.accepted() : reply.json(`[${answers.join(',')}]`, session.id);
  }
  const item = classify(parsed.value);
  if (item.kind === 'invalid') throw refusals.refusedMessage(item.error);
  const dialect = engine.dialectFor(envelope, item.kind === 'request' ? item.message : undefined);
  if (item.kind === 'request' && dialect.stateless)
    return answerAlone(engine, dialect, envelope, caller, item.message, reply);
  if (item.kind === 'request' && dialect.opens(item.message)) {
    const { session, text: answer } = await engine.open(dialect, item.message, caller);
    return reply.json(answer, session.id);
  }
  const session = await engine.sessionOf(
    dialect,
    envelope,
    caller,
    item.kind === 'request' ? item.message : undefined,
  );
  if (item.kind !== 'request') {
    const refused = await engine.take(session.id, caller, item);
    if (refused) throw refused;
    return reply.accepted();
  }
  const outlet = reply.answering(session, dialect, item.message);
  outlet.finish(await engine.answer(session, caller, item.message, outlet));
}

/**
 * A stateless request (MCP 2026-07-28): its session is built from the request itself, and every
 * refusal on the way answers it by its id.
 */
async function answerAlone(
  engine: SessionEngine,
  dialect: Dialect,
  envelope: Envelope,
  caller: Caller,
  message: JsonRpcRequest,
  reply: ExchangeReply,
): Promise<void> {
  let session: SessionData;
  try {
    session = await engine.sessionOf(dialect, envelope, caller, message);
  } catch (err) {
    if (err instanceof FleetError) return reply.refused(err, message.id);
    throw err;
  }
  const outlet = reply.answering(session, dialect, message);
  if (envelope.routesRequests) outlet.envelope = envelope;
  outlet.finish(await engine.answer(session, caller, message, outlet));
}

/**
 * A 2025-03-26 batch of at most MAX_BATCH_MESSAGES: notifications and responses are taken,
 * requests answered together, invalid items answered with their error.
 */
async function answerBatch(
  engine: SessionEngine,
  dialect: Dialect,
  session: SessionData,
  caller: Caller,
  items: unknown[],
  traceContext: Context | undefined,
): Promise<string[]> {
  if (!dialect.allowsBatches(session))
    throw refusals.invalidMessage(`batches are not part of MCP ${session.protocolVersion}`);
  if (items.length === 0) throw refusals.invalidMessage('empty batch');
  if (items.length > MAX_BATCH_MESSAGES)
    throw refusals.invalidMessage(`a batch holds at most ${MAX_BATCH_MESSAGES} messages`);
  const answers: string[] = [];
  const refusedAs = (id: JsonRpcRequest['id'] | null, error: FleetError) =>
    answers.push(serializeResponse(id, { error: error.toWire() }));
  for (const raw of items) {
    const item = classify(raw);
    if (item.kind === 'invalid') {
      answers.push(serializeResponse(item.requestId, { error: item.error }));
    } else if (item.kind !== 'request') {
      const refused = await engine.take(session.id, caller, item);
      if (refused) refusedAs(null, refused);
    } else if (dialect.opens(item.message)) {
      refusedAs(item.message.id, invalidRequest('initialize cannot be batched'));
    } else {
      // Batched requests answer together: nothing streams, nothing is released.
      const outlet: Outlet = { traceContext, headers: {}, emit: () => {}, detach: () => {} };
      answers.push((await engine.answer(session, caller, item.message, outlet)).text);
    }
  }
  return answers;
}
