import * as grpc from '@grpc/grpc-js';
import { type JsonRpcFrame, type JsonRpcFrame__Output, loadEdgeProto } from '@mcp-fleet/contract';
import {
  type JSONRPCMessage,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { WebSocket } from 'ws';
import { ownSignalPerRequest } from './request-signal.js';
import { parseRetryAfter, RefusedForNow } from './retry.js';

/** The gateway's gRPC edge (mcpfleet.edge.v1.McpEdge): one Session stream per connection. */
export class GrpcEdgeTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private client: grpc.Client | undefined;
  private stream: grpc.ClientDuplexStream<JsonRpcFrame, JsonRpcFrame__Output> | undefined;

  constructor(
    private readonly target: string,
    private readonly headers: Record<string, string> = {},
    private readonly credentials = grpc.credentials.createInsecure(),
  ) {}

  async start(): Promise<void> {
    const { McpEdge } = loadEdgeProto().mcpfleet.edge.v1;
    const client = new McpEdge(this.target, this.credentials);
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(this.headers)) metadata.set(key, value);
    const stream = client.Session(metadata);
    stream.on('data', (frame: JsonRpcFrame__Output) =>
      this.onmessage?.(JSON.parse(frame.json.toString('utf8'))),
    );
    stream.on('error', (err) => this.onerror?.(err));
    // A gRPC stream always ends with a status: that is the close.
    stream.on('status', () => this.onclose?.());
    this.client = client;
    this.stream = stream;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.stream?.write({ json: Buffer.from(JSON.stringify(message)) });
  }

  async close(): Promise<void> {
    this.stream?.end();
    this.client?.close();
  }
}

/** The gateway's WebSocket edge (`/ws`, subprotocol `mcp`), with headers Node can send. */
export class WebSocketTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private socket: WebSocket | undefined;

  constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string> = {},
  ) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url, 'mcp', { headers: this.headers });
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        const retryAfter = response.headers['retry-after'];
        // A refusal before anything ran, as over HTTP: the client may wait and retry.
        reject(
          status === 429 || status === 503
            ? new RefusedForNow(
                status,
                parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
                '',
              )
            : new Error(`WebSocket upgrade refused: HTTP ${status}`),
        );
      });
      socket.on('error', (err) => {
        reject(err);
        this.onerror?.(err);
      });
      socket.on('message', (data) => {
        try {
          this.onmessage?.(JSON.parse(data.toString()));
        } catch (err) {
          this.onerror?.(err as Error);
        }
      });
      socket.on('close', () => this.onclose?.());
      this.socket = socket;
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.socket?.send(JSON.stringify(message));
  }

  async close(): Promise<void> {
    this.socket?.close();
  }
}

/**
 * The transport a URL names: `http(s)://…/mcp` Streamable HTTP, `http(s)://…/sse` the legacy
 * HTTP+SSE edge, `ws(s)://…/ws` WebSocket, `grpc://host:port` (or `grpcs://`) the gRPC edge.
 * `fetch` lets the caller see HTTP answers first (the client reads Retry-After there).
 */
export function transportFor(
  url: URL,
  headers: Record<string, string>,
  fetchFn: typeof fetch = fetch,
): Transport {
  switch (url.protocol) {
    case 'http:':
    case 'https:':
      // Both HTTP transports send requestInit's headers on every request, the SSE GET included.
      if (url.pathname.endsWith('/sse'))
        return new SSEClientTransport(url, { requestInit: { headers }, fetch: ownSignalPerRequest(fetchFn) });
      return new StreamableHTTPClientTransport(url, {
        requestInit: { headers },
        fetch: ownSignalPerRequest(fetchFn),
      });
    case 'ws:':
    case 'wss:':
      return new WebSocketTransport(url, headers);
    case 'grpc:':
    case 'grpcs:':
      return new GrpcEdgeTransport(
        url.host,
        headers,
        url.protocol === 'grpcs:' ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(),
      );
    default:
      throw new Error(
        `unsupported URL ${url.href}: use http(s)://…/mcp, http(s)://…/sse, ws(s)://…/ws or grpc://host:port`,
      );
  }
}
