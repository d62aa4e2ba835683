import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import {
  type CallServerFrame__Output,
  createProviderClient,
  type JsonRpcFrame,
  type JsonRpcFrame__Output,
  loadEdgeProto,
} from '@mcp-fleet/contract';
import { Pool } from 'undici';
import { WebSocket } from 'ws';

const ECHO_ARGS = { text: 'hello from the benchmark' };
const MODERN = '2026-07-28';

type Tool = { name: string; arguments: Record<string, unknown> };
type Target = { call: () => Promise<boolean>; close: () => Promise<void> };

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** One POST of `body` per call over a pool of keep-alive connections; done when it has a result that is not a tool error. */
function httpCalls(pool: Pool, path: string, headers: Record<string, string>, body: string): Target {
  return {
    async call() {
      const response = await pool.request({ path, method: 'POST', headers, body });
      const text = await response.body.text();
      return response.statusCode === 200 && text.includes('"result"') && !text.includes('"isError":true');
    },
    close: () => pool.close(),
  };
}

/**
 * tools/call of echo (or `tool`) over Streamable HTTP in a 2025-11-25 session (the gateway or the
 * official SDK server), over a pool of keep-alive connections.
 */
export async function sessionEcho(
  url: string,
  connections: number,
  credentials: Record<string, string> = {},
  tool: Tool = { name: 'echo', arguments: ECHO_ARGS },
): Promise<Target> {
  const { origin, pathname: path } = new URL(url);
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const headers = { ...JSON_HEADERS, ...credentials };
  const init = await pool.request({
    path,
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    }),
  });
  await init.body.text();
  const session = String(init.headers['mcp-session-id']);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: tool });
  return httpCalls(
    pool,
    path,
    { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
    body,
  );
}

/**
 * The same call as a MCP 2026-07-28 client makes it: no initialize and no session, the version
 * and the client's capabilities in `_meta`, the routing headers (MCP-Protocol-Version, Mcp-Method,
 * Mcp-Name) repeating the body.
 */
export function statelessEcho(
  url: string,
  connections: number,
  credentials: Record<string, string> = {},
): Target {
  const { origin, pathname: path } = new URL(url);
  const meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  };
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo', arguments: ECHO_ARGS, _meta: meta },
  });
  const headers = {
    ...JSON_HEADERS,
    'mcp-protocol-version': MODERN,
    'mcp-method': 'tools/call',
    'mcp-name': 'echo',
    ...credentials,
  };
  return httpCalls(new Pool(origin, { connections, pipelining: 1 }), path, headers, body);
}

/** The same call made directly on the provider's gRPC Call stream: the baseline. */
export function directEcho(target: string, token: string): Target {
  const client = createProviderClient(target);
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const request = {
    request: {
      method: 'tools/call',
      paramsJson: Buffer.from(JSON.stringify({ name: 'echo', arguments: ECHO_ARGS })),
      clientCapabilitiesJson: Buffer.from('{}'),
      logLevel: 'info',
      protocolVersion: '2025-11-25',
    },
  };
  return {
    call: () =>
      new Promise<boolean>((resolve) => {
        const stream = client.Call(metadata, { deadline: Date.now() + 10_000 });
        let good = false;
        stream.on('data', (frame: CallServerFrame__Output) => {
          if (frame.frame === 'result') good = true;
        });
        stream.on('error', () => {});
        stream.on('status', (status: grpc.StatusObject) => {
          stream.end();
          resolve(good && status.code === grpc.status.OK);
        });
        stream.write(request);
      }),
    close: async () => client.close(),
  };
}

type Pending = Map<number, (good: boolean) => void>;

/** Concurrent JSON-RPC over one multiplexed channel: answers are matched to calls by id. */
function multiplexed(send: (text: string) => void, pending: Pending) {
  let id = 1;
  return (): Promise<boolean> =>
    new Promise((resolve) => {
      const callId = ++id;
      pending.set(callId, resolve);
      send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: callId,
          method: 'tools/call',
          params: { name: 'echo', arguments: ECHO_ARGS },
        }),
      );
    });
}

function settle(pending: Pending, text: string): void {
  const message = JSON.parse(text) as { id?: number; result?: unknown };
  if (typeof message.id !== 'number') return;
  pending.get(message.id)?.(message.result !== undefined);
  pending.delete(message.id);
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
});

/** tools/call of echo over the gateway's WebSocket edge, on several connections. */
export async function websocketEcho(url: string, connections: number): Promise<Target> {
  const calls: (() => Promise<boolean>)[] = [];
  const sockets: WebSocket[] = [];
  for (let i = 0; i < connections; i++) {
    const socket = new WebSocket(url, ['mcp']);
    await once(socket, 'open');
    const pending: Pending = new Map();
    socket.on('message', (data) => settle(pending, data.toString()));
    socket.send(INITIALIZE);
    await once(socket, 'message');
    calls.push(multiplexed((text) => socket.send(text), pending));
    sockets.push(socket);
  }
  let next = 0;
  return {
    call: () => (calls[next++ % calls.length] as () => Promise<boolean>)(),
    close: async () => {
      for (const socket of sockets) socket.close();
    },
  };
}

/** tools/call of echo over the gateway's gRPC edge: one Session stream per connection. */
export async function grpcEdgeEcho(target: string, connections: number): Promise<Target> {
  const { McpEdge } = loadEdgeProto().mcpfleet.edge.v1;
  const client = new McpEdge(target, grpc.credentials.createInsecure());
  const calls: (() => Promise<boolean>)[] = [];
  const streams: grpc.ClientDuplexStream<JsonRpcFrame, JsonRpcFrame__Output>[] = [];
  for (let i = 0; i < connections; i++) {
    const stream = client.Session(new grpc.Metadata());
    const pending: Pending = new Map();
    const ready = once(stream, 'data');
    stream.on('data', (frame: JsonRpcFrame__Output) => settle(pending, frame.json.toString('utf8')));
    stream.on('error', () => {});
    stream.write({ json: Buffer.from(INITIALIZE) });
    await ready;
    calls.push(multiplexed((text) => stream.write({ json: Buffer.from(text) }), pending));
    streams.push(stream);
  }
  let next = 0;
  return {
    call: () => (calls[next++ % calls.length] as () => Promise<boolean>)(),
    close: async () => {
      for (const stream of streams) stream.end();
      client.close();
    },
  };
}
