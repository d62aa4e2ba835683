import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { FleetError } from '@mcp-fleet/contract';
import { contextFromHeaders } from '@mcp-fleet/runtime/telemetry';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Caller } from '../auth/caller.js';
import { Conversation } from '../engine/conversation.js';
import type { SessionEngine } from '../engine/engine.js';
import { refusals } from '../protocol/errors.js';
import { errorBody, headerEnvelope } from './http-exchange.js';
import { MAX_BUFFERED_BYTES } from './slow-client.js';

export interface WebSocketOptions {
  path: string;
  /** Largest frame accepted; bigger ones close the connection with 1009. */
  maxPayload: number;
  checkOrigin: (host: string | undefined, origin: string | undefined) => void;
  logger: Logger;
}

/** Close codes the gateway uses (RFC 6455). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  tooBig: 1009,
  internalError: 1011,
  /** The client reads too slowly: its unsent messages passed the buffer limit. */
  tryAgainLater: 1013,
} as const;

const PING_INTERVAL_MS = 30_000;
const SUBPROTOCOL = 'mcp';
/** A bearer token may ride in a subprotocol, for clients (browsers) that cannot set headers. */
const TOKEN_PROTOCOL = 'bearer.';
/** An origin-form request target (RFC 9112 §3.2.1): one slash, then a path, then maybe a query. */
const ORIGIN_FORM = /^\/(?!\/)/;

/** An upgrade refused with `error`: the HTTP answer the client gets instead of a WebSocket. */
function refuse(socket: Duplex, error: FleetError): void {
  const headers = Object.entries({
    'content-type': 'application/json',
    connection: 'close',
    ...error.headers,
  })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  const body = errorBody(error);
  socket.end(
    `HTTP/1.1 ${error.httpStatus} ${error.message.split(':')[0]}\r\n${headers}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/**
 * MCP over WebSocket at `path`, subprotocol `mcp`: one JSON-RPC message per text frame, the same
 * authentication as HTTP (Authorization header, or a `bearer.<token>` subprotocol), keepalive
 * pings, a bounded send buffer and a frame size limit.
 */
export function registerWebSocket(
  app: FastifyInstance,
  engine: SessionEngine,
  options: WebSocketOptions,
): void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      options.checkOrigin(request.headers.host, request.headers.origin);
      engine.refuseWhileDraining();
      const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      if (!offered.includes(SUBPROTOCOL)) throw refusals.badSubprotocol();
      const token = offered.find((p) => p.startsWith(TOKEN_PROTOCOL))?.slice(TOKEN_PROTOCOL.length);
      const caller = await engine.authenticate(
        { authorization: request.headers.authorization ?? (token ? `Bearer ${token}` : undefined) },
        `http://${request.headers.host ?? 'localhost'}`,
      );
      wss.handleUpgrade(request, socket, head, (ws) => connect(ws, caller, request));
    } catch (err) {
      refuse(socket, err instanceof FleetError ? err : refusals.internal('Internal Server Error'));
    }
  };

  const connect = (ws: WebSocket, caller: Caller, request: IncomingMessage) => {
    let alive = true;
    const send = (text: string) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.close(CLOSE.tryAgainLater, 'client too slow: send buffer full');
        return;
      }
      ws.send(text);
    };
    const channel = new Conversation(engine, {
      caller,
      send,
      envelope: headerEnvelope(request.headers),
      traceContext: contextFromHeaders(request.headers),
    });
    const ping = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, PING_INTERVAL_MS);
    ping.unref();
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.close(CLOSE.unsupportedData, 'MCP messages are text frames');
        return;
      }
      channel.receive(data.toString());
    });
    ws.on('close', () => {
      clearInterval(ping);
      void channel.close();
    });
    ws.on('error', () => ws.terminate());
  };

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node stops watching an upgraded socket: a reset client must not become an uncaught error.
    socket.on('error', () => socket.destroy());
    // The request target is compared as it came, never parsed: `GET //` is not even a URL.
    const target = request.url ?? '';
    if (!ORIGIN_FORM.test(target)) {
      refuse(socket, refusals.notAPath());
      return;
    }
    if (target.split('?', 1)[0] !== options.path) {
      refuse(socket, refusals.wrongPath(options.path));
      return;
    }
    upgrade(request, socket, head).catch((err: unknown) => {
      options.logger.error({ err }, 'WebSocket upgrade failed');
      socket.destroy();
    });
  });
  // Before the server's close, which waits for every socket: an open WebSocket would hold it forever.
  app.addHook('preClose', async () => {
    for (const ws of wss.clients) ws.close(CLOSE.goingAway, 'gateway shutting down');
    wss.close();
  });
}
