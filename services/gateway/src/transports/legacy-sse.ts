import { randomBytes } from 'node:crypto';
import { propagation, ROOT_CONTEXT } from '@mcp-fleet/sdk/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../auth/caller.js';
import type { GatewayCore } from '../engine/engine.js';
import { HttpError, httpErrors } from '../protocol/errors.js';
import { ChannelSession } from '../engine/conversation.js';
import { CHANNELS } from '../session/types.js';
import { boundedWriter } from './slow-client.js';
import { SSE_HEADERS } from './sse-writer.js';

export interface LegacySseOptions {
  ssePath: string;
  messagesPath: string;
  checkOrigin: (host: string | undefined, origin: string | undefined) => void;
  draining: () => boolean;
}

const KEEPALIVE_MS = 15_000;

interface Connection {
  channel: ChannelSession;
  /** Only the caller who opened the stream may post to it. */
  principal: string;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The HTTP+SSE transport of MCP 2024-11-05 for older clients: `GET /sse` opens the stream and
 * names the endpoint to POST to; `POST /messages?sessionId=` carries client messages (202), and
 * every answer comes down the stream. A POST that reaches another replica is passed over the bus
 * to the replica holding the stream (connection ids carry it).
 */
export async function registerLegacySse(
  app: FastifyInstance,
  core: GatewayCore,
  options: LegacySseOptions,
): Promise<void> {
  const connections = new Map<string, Connection>();
  const { bus } = core.deps;

  const unsubscribe = await bus.subscribe(CHANNELS.replica(bus.replicaId), (payload) => {
    if (payload.type !== 'legacy') return;
    const connection = connections.get(String(payload.connectionId));
    if (connection && connection.principal === payload.principal)
      connection.channel.receive(String(payload.message));
  });
  app.addHook('onClose', async () => unsubscribe());

  const authenticate = (request: FastifyRequest): Promise<Caller> => {
    options.checkOrigin(header(request, 'host'), header(request, 'origin'));
    return core.deps.authenticator.authenticate(
      { authorization: header(request, 'authorization'), 'x-api-key': header(request, 'x-api-key') },
      `${request.protocol}://${header(request, 'host') ?? 'localhost'}`,
    );
  };

  const fail = (reply: FastifyReply, err: unknown) => {
    if (!(err instanceof HttpError)) throw err;
    return reply
      .code(err.status)
      .headers(err.headers)
      .type('application/json')
      .send({ jsonrpc: '2.0', id: null, error: { code: err.code, message: err.message } });
  };

  app.get(options.ssePath, async (request, reply) => {
    let caller: Caller;
    try {
      if (options.draining()) throw httpErrors.draining();
      caller = await authenticate(request);
    } catch (err) {
      return fail(reply, err);
    }
    const connectionId = `${bus.replicaId}.${randomBytes(16).toString('base64url')}`;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, SSE_HEADERS);
    // A client too slow to read loses its connection (`close` below forgets it); it may reconnect.
    const write = boundedWriter(raw, core.deps.logger, { edge: 'legacy-sse', connectionId });
    const send = (text: string) => {
      write(`event: message\ndata: ${text}\n\n`);
    };
    const channel = new ChannelSession(
      core,
      caller,
      send,
      propagation.extract(ROOT_CONTEXT, request.headers),
    );
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

  app.post(options.messagesPath, async (request, reply) => {
    let caller: Caller;
    try {
      caller = await authenticate(request);
    } catch (err) {
      return fail(reply, err);
    }
    const connectionId = String((request.query as Record<string, unknown>).sessionId ?? '');
    const body = (request.body as Buffer | undefined)?.toString('utf8') ?? '';
    const local = connections.get(connectionId);
    if (local) {
      if (local.principal !== caller.principal) return fail(reply, httpErrors.unknownSession());
      local.channel.receive(body);
      return reply.code(202).send('Accepted');
    }
    const replica = connectionId.split('.')[0];
    if (!replica || replica === bus.replicaId || !connectionId.includes('.'))
      return fail(reply, httpErrors.unknownSession());
    bus.publish(CHANNELS.replica(replica), {
      type: 'legacy',
      connectionId,
      principal: caller.principal,
      message: body,
    });
    return reply.code(202).send('Accepted');
  });
}
