import * as grpc from '@grpc/grpc-js';
import { type JsonRpcFrame, type JsonRpcFrame__Output, loadEdgeProto } from '@mcp-fleet/contract';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { WebSocket as NodeWebSocket } from 'ws';

/** The official SDK's Client over the gateway's gRPC edge: one Session stream per connection. */
export class GrpcEdgeTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private client: grpc.Client | undefined;
  private stream: grpc.ClientDuplexStream<JsonRpcFrame, JsonRpcFrame__Output> | undefined;

  constructor(
    private readonly target: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    const { McpEdge } = loadEdgeProto().mcpfleet.edge.v1;
    const client = new McpEdge(this.target, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(this.headers)) metadata.set(key, value);
    const stream = client.Session(metadata);
    stream.on('data', (frame: JsonRpcFrame__Output) =>
      this.onmessage?.(JSON.parse(frame.json.toString('utf8'))),
    );
    stream.on('error', (err) => this.onerror?.(err));
    // A gRPC stream ends with a status, always: that is the close.
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

let socketHeaders: Record<string, string> = {};

/**
 * The SDK's WebSocket transport uses the global WebSocket, which Node 20 lacks: `ws` stands in,
 * adding the headers of the connection being made (browsers would use a `bearer.` subprotocol).
 */
class HeaderWebSocket extends NodeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { headers: socketHeaders });
  }
}
(globalThis as { WebSocket?: unknown }).WebSocket = HeaderWebSocket;

export type Edge = 'streamable-http' | 'legacy-sse' | 'websocket' | 'grpc';

export const EDGES: Edge[] = ['streamable-http', 'legacy-sse', 'websocket', 'grpc'];

export interface EdgeAddresses {
  /** http://host:port of the gateway */
  http: string;
  /** host:port of its gRPC edge */
  grpc: string;
}

export function transportFor(edge: Edge, at: EdgeAddresses, headers: Record<string, string>): Transport {
  switch (edge) {
    case 'streamable-http':
      return new StreamableHTTPClientTransport(new URL(`${at.http}/mcp`), { requestInit: { headers } });
    case 'legacy-sse':
      return new SSEClientTransport(new URL(`${at.http}/sse`), {
        requestInit: { headers },
        eventSourceInit: {
          fetch: (url, init) =>
            fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
        },
      });
    case 'websocket':
      socketHeaders = headers;
      return new WebSocketClientTransport(new URL(`${at.http.replace(/^http/, 'ws')}/ws`));
    case 'grpc':
      return new GrpcEdgeTransport(at.grpc, headers);
  }
}

/** An official SDK client connected over the given edge. */
export async function connectOver(
  edge: Edge,
  at: EdgeAddresses,
  headers: Record<string, string>,
  capabilities: Record<string, unknown> = {},
) {
  const client = new Client({ name: `parity-${edge}`, version: '1.0.0' }, { capabilities });
  await client.connect(transportFor(edge, at, headers));
  return client;
}
