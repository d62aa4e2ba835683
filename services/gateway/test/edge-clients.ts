import { transportFor } from '@mcp-fleet/client';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { sseEvents } from './support.js';

export type Edge = 'streamable-http' | 'legacy-sse' | 'websocket' | 'grpc';

export const EDGES: Edge[] = ['streamable-http', 'legacy-sse', 'websocket', 'grpc'];

export interface EdgeAddresses {
  /** http://host:port of the gateway */
  http: string;
  /** host:port of its gRPC edge */
  grpc: string;
}

/** The transport of one edge, as the fleet client library makes it from the edge's URL. */
export function transportForEdge(edge: Edge, at: EdgeAddresses, headers: Record<string, string>): Transport {
  const url = {
    'streamable-http': `${at.http}/mcp`,
    'legacy-sse': `${at.http}/sse`,
    websocket: `${at.http.replace(/^http/, 'ws')}/ws`,
    grpc: `grpc://${at.grpc}`,
  }[edge];
  return transportFor(new URL(url), headers);
}

/** An official SDK client connected over the given edge. */
export async function connectOver(
  edge: Edge,
  at: EdgeAddresses,
  headers: Record<string, string>,
  capabilities: Record<string, unknown> = {},
) {
  const client = new Client({ name: `parity-${edge}`, version: '1.0.0' }, { capabilities });
  await client.connect(transportForEdge(edge, at, headers));
  return client;
}

/** A session on a two-way edge seen message by message, with no client library judging what arrives. */
export interface RawChannel {
  /** Every message the gateway sent, in order. */
  messages: Record<string, unknown>[];
  send(message: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** The legacy HTTP+SSE edge read by hand: GET /sse names the endpoint, POSTs go there. */
async function rawLegacySse(http: string, headers: Record<string, string>): Promise<RawChannel> {
  const controller = new AbortController();
  const response = await fetch(`${http}/sse`, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  if (!response.ok || !response.body) throw new Error(`GET /sse answered ${response.status}`);
  const messages: Record<string, unknown>[] = [];
  let endpoint: string | undefined;
  void (async () => {
    try {
      for await (const event of sseEvents(response.body as ReadableStream<Uint8Array>)) {
        if (event.event === 'endpoint') endpoint = event.data;
        else if (event.event === 'message') messages.push(JSON.parse(event.data));
      }
    } catch {
      // aborted by close()
    }
  })();
  await waitFor(() => endpoint !== undefined, 'the endpoint event of /sse');
  const postTo = `${http}${endpoint}`;
  return {
    messages,
    async send(message) {
      const answer = await fetch(postTo, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(message),
      });
      if (answer.status !== 202) throw new Error(`POST ${endpoint} answered ${answer.status}`);
    },
    async close() {
      controller.abort();
    },
  };
}

/** A raw session on the legacy SSE, WebSocket or gRPC edge, initialised and ready. */
export async function openRawChannel(
  edge: Exclude<Edge, 'streamable-http'>,
  at: EdgeAddresses,
  headers: Record<string, string>,
): Promise<RawChannel> {
  let channel: RawChannel;
  if (edge === 'legacy-sse') channel = await rawLegacySse(at.http, headers);
  else {
    const transport = transportForEdge(edge, at, headers);
    const messages: Record<string, unknown>[] = [];
    transport.onmessage = (message) => messages.push(message as Record<string, unknown>);
    await transport.start();
    channel = {
      messages,
      send: (message) => transport.send(message as Parameters<Transport['send']>[0]),
      close: () => transport.close(),
    };
  }
  await channel.send({
    jsonrpc: '2.0',
    id: 'init',
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  await waitFor(() => channel.messages.some((m) => m.id === 'init'), `the initialize answer over ${edge}`);
  await channel.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return channel;
}
