import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { type Edge, type EdgeAddresses, transportForEdge } from './edge-clients.js';
import { envelope, META_KEYS, routingHeaders } from './modern.js';
import { MCP_HEADERS, sseEvents } from './support.js';

type Message = Record<string, unknown>;

/** A JSON-RPC error answer, as a client sees it (with the HTTP status when there was one). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
    readonly status?: number,
  ) {
    super(`MCP error ${code}: ${message}`);
  }
}

export interface RequestOptions {
  /** Extra `_meta` (logLevel, progressToken…) besides the envelope. */
  meta?: Record<string, unknown>;
  /** Notifications that arrive before the answer (progress, logs). */
  onNotification?: (message: Message) => void;
  /** Cancels: HTTP closes the connection, a channel sends notifications/cancelled. */
  signal?: AbortSignal;
}

/** A 2026-07-28 client by hand: no initialize, each request self-describing. */
export interface StatelessClient {
  request(method: string, params?: Message, options?: RequestOptions): Promise<Message>;
  close(): Promise<void>;
}

/** A request with the 2026 envelope: the client's capabilities, and whatever else `options` adds. */
const requestOf = (
  id: number,
  method: string,
  params: Message,
  capabilities: Message,
  options: RequestOptions,
) => ({
  jsonrpc: '2.0',
  id,
  method,
  params: { ...params, _meta: envelope({ [META_KEYS.clientCapabilities]: capabilities, ...options.meta }) },
});

const answerOf = (message: Message, status?: number): Message => {
  const error = message.error as { code: number; message: string; data?: unknown } | undefined;
  if (error) throw new RpcError(error.code, error.message, error.data, status);
  return message.result as Message;
};

/** Streamable HTTP: one POST per request with its routing headers; JSON or an SSE stream back. */
function overHttp(url: string, headers: Record<string, string>, capabilities: Message): StatelessClient {
  let next = 1;
  return {
    async request(method, params = {}, options = {}) {
      const id = next++;
      const body = requestOf(id, method, params, capabilities, options);
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...MCP_HEADERS, ...routingHeaders(body), ...headers },
        body: JSON.stringify(body),
        signal: options.signal,
      });
      if (!response.headers.get('content-type')?.startsWith('text/event-stream'))
        return answerOf((await response.json()) as Message, response.status);
      for await (const event of sseEvents(response.body as ReadableStream<Uint8Array>)) {
        const message = JSON.parse(event.data) as Message;
        if (message.id === id) return answerOf(message, response.status);
        options.onNotification?.(message);
      }
      throw new Error(`the stream of request ${id} ended without its answer`);
    },
    close: async () => {},
  };
}

/** A WebSocket or gRPC channel: requests and their notifications share it, each frame carrying its `_meta`. */
async function overChannel(
  edge: Exclude<Edge, 'streamable-http' | 'legacy-sse'>,
  at: EdgeAddresses,
  headers: Record<string, string>,
  capabilities: Message,
): Promise<StatelessClient> {
  const transport = transportForEdge(edge, at, headers);
  const pending = new Map<number, { settle: (message: Message) => void; options: RequestOptions }>();
  const failAll = (error: Error) => {
    for (const { settle } of pending.values()) settle({ error: { code: 0, message: error.message } });
    pending.clear();
  };
  transport.onmessage = (message) => {
    const m = message as Message;
    const waiting = typeof m.id === 'number' && 'method' in m === false ? pending.get(m.id) : undefined;
    if (waiting) {
      pending.delete(m.id as number);
      waiting.settle(m);
    } else for (const { options } of pending.values()) options.onNotification?.(m);
  };
  transport.onerror = failAll;
  transport.onclose = () => failAll(new Error(`the ${edge} channel closed`));
  await transport.start();
  let next = 1;
  return {
    async request(method, params = {}, options = {}) {
      const id = next++;
      const answer = new Promise<Message>((settle) => pending.set(id, { settle, options }));
      options.signal?.addEventListener('abort', () => {
        void transport.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } });
        pending.get(id)?.settle({ error: { code: 0, message: 'aborted' } });
        pending.delete(id);
      });
      await transport.send(requestOf(id, method, params, capabilities, options) as JSONRPCMessage);
      return answerOf(await answer);
    },
    close: () => transport.close(),
  };
}

/**
 * A stateless client on an edge that speaks 2026-07-28, connected as the official SDK v2 client
 * connects: by asking server/discover first. Resolves with the client and the discover result.
 */
export async function connectStateless(
  edge: Exclude<Edge, 'legacy-sse'>,
  at: EdgeAddresses,
  headers: Record<string, string>,
  capabilities: Message = {},
): Promise<{ client: StatelessClient; discovered: Message }> {
  const client =
    edge === 'streamable-http'
      ? overHttp(`${at.http}/mcp`, headers, capabilities)
      : await overChannel(edge, at, headers, capabilities);
  try {
    return { client, discovered: await client.request('server/discover') };
  } catch (err) {
    await client.close();
    throw err;
  }
}
