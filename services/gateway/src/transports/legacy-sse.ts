import { randomBytes } from 'node:crypto';
import { FleetError } from '@mcp-fleet/contract';
import { contextFromHeaders } from '@mcp-fleet/runtime/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Caller } from '../auth/caller.js';
import { Conversation } from '../engine/conversation.js';
import type { SessionEngine } from '../engine/engine.js';
import { refusals } from '../protocol/errors.js';
import { isReplicaId } from '../session/replica-id.js';
import { type Bus, CHANNELS } from '../session/types.js';
import { baseUrlOf, credentialsOf, envelopeOf, header, sendFleetError } from './http-exchange.js';
import { boundedWriter } from './slow-client.js';
import { SSE_HEADERS, sseEvent } from './sse-writer.js';

export interface LegacySseOptions {
  ssePath: string;
  messagesPath: string;
  checkOrigin: (host: string | undefined, origin: string | undefined) => void;
  /** Carries a POST that reached another replica to the one holding its stream. */
  bus: Bus;
  logger: Logger;
}

const KEEPALIVE_MS = 15_000;

interface Connection {
  channel: Conversation;
  /** Only the caller who opened the stream may post to it. */
  principal: string;
}

/**
 * The HTTP+SSE transport of MCP 2024-11-05 for older clients: `GET /sse` opens the stream and
 * names the endpoint to POST to; `POST /messages?sessionId=` carries client messages (202), and
 * every answer comes down the stream. A POST that reaches another replica is passed over the bus
 * to the replica holding the stream (connection ids carry it).
 */
export async function registerLegacySse(
  app: FastifyInstance,
  engine: SessionEngine,
  options: LegacySseOptions,
): Promise<void> {
  const connections = new Map<string, Connection>();
  const { bus } = options;

  const unsubscribe = await bus.subscribe(CHANNELS.replica(bus.replicaId), (payload) => {
    if (payload.type !== 'legacy') return;
    const connection = connections.get(String(payload.connectionId));
    if (connection && connection.principal === payload.principal)
      connection.channel.receive(String(payload.message));
  });
  app.addHook('onClose', async () => unsubscribe());

  const authenticate = (request: FastifyRequest): Promise<Caller> => {
    options.checkOrigin(header(request, 'host'), header(request, 'origin'));
    return engine.authenticate(credentialsOf(request), baseUrlOf(request));
  };

  const fail = (reply: FastifyReply, err: unknown) => {
    if (!(err instanceof FleetError)) throw err;
    return sendFleetError(reply, err);
  };

  app.get(options.ssePath, async (request, reply) => {
    let caller: Caller;
    try {
      engine.refuseWhileDraining();
      caller = await authenticate(request);
    } catch (err) {
      return fail(reply, err);
    }
    const connectionId = `${bus.replicaId}.${randomBytes(16).toString('base64url')}`;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, SSE_HEADERS);
    // A client too slow to read loses its connection (`close` below forgets it); it may reconnect.
    const write = boundedWriter(raw, options.logger, { edge: 'legacy-sse', connectionId });
    const send = (text: string) => {
      write(sseEvent('', text));
    };
    const channel = new Conversation(engine, {
      caller,
      send,
      envelope: envelopeOf(request),
      traceContext: contextFromHeaders(request.headers),
      sessionsOnly: true,
    });
    connections.set(connectionId, { channel, principal: caller.principal });
    write(`event: endpoint\ndata: ${options.messagesPath}?sessionId=${encodeURIComponent(connectionId)}\n\n`);
    const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    raw.on('close', () => {
      clearInterval(keepalive);
      connections.delete(connectionId);
      void channel.close();
    });
    return reply;
  });

  /** Where a POST by `caller` to `connectionId` goes: a stream here, another replica, or nowhere. */
  const destination = (
    caller: Caller,
    connectionId: string,
  ): Connection | { replica: string } | undefined => {
    const local = connections.get(connectionId);
    if (local) return local.principal === caller.principal ? local : undefined;
    // Another replica's stream, as far as this one can tell: the id has the form of one.
    const dot = connectionId.indexOf('.');
    const replica = connectionId.slice(0, dot);
    return dot > 0 && replica !== bus.replicaId && isReplicaId(replica) ? { replica } : undefined;
  };
  const callers = new WeakMap<FastifyRequest, Caller>();
  const connectionIdOf = (request: FastifyRequest) =>
    String((request.query as Record<string, unknown>).sessionId ?? '');

  // Refused before the body is read: a POST may carry megabytes, and one to a stream that is gone
  // (or someone else's) would otherwise be read whole, to be dropped.
  const admit = async (request: FastifyRequest, reply: FastifyReply) => {
    let caller: Caller;
    try {
      caller = await authenticate(request);
    } catch (err) {
      return fail(reply, err);
    }
    if (destination(caller, connectionIdOf(request)) === undefined)
      return fail(reply, refusals.unknownSession());
    callers.set(request, caller);
  };

  app.post(options.messagesPath, { onRequest: admit }, async (request, reply) => {
    const caller = callers.get(request) as Caller;
    const connectionId = connectionIdOf(request);
    // Looked up again: the stream may have closed while the body arrived.
    const target = destination(caller, connectionId);
    if (target === undefined) return fail(reply, refusals.unknownSession());
    const body = (request.body as Buffer | undefined)?.toString('utf8') ?? '';
    if ('channel' in target) target.channel.receive(body);
    else
      bus.publish(CHANNELS.replica(target.replica), {
        type: 'legacy',
        connectionId,
        principal: caller.principal,
        message: body,
      });
    return reply.code(202).send('Accepted');
  });
}
