import { transportFor } from '@mcp-fleet/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

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
