import { Client, SdkError, SdkErrorCode, type VersionNegotiationMode } from '@modelcontextprotocol/client';
import { watchToolChanges } from './tool-changes.js';
import { transportFor } from './transports.js';

/**
 * The MCP revision a client speaks: `auto` asks for 2026-07-28 (`server/discover`) and falls back
 * to the 2025 `initialize` handshake for older gateways; `legacy` only the handshake (a session);
 * `2026-07-28` never falls back.
 */
export type ProtocolChoice = 'auto' | 'legacy' | '2026-07-28';

export const PROTOCOL_CHOICES: readonly ProtocolChoice[] = ['auto', 'legacy', '2026-07-28'];

/** The SDK's negotiation mode for a choice on an edge. */
function negotiation(choice: ProtocolChoice, url: URL): VersionNegotiationMode {
  // The legacy HTTP+SSE edge speaks only the 2024-11-05 and 2025 revisions: no probe there.
  const legacyEdge = url.protocol.startsWith('http') && url.pathname.endsWith('/sse');
  if (choice === 'legacy' || (choice === 'auto' && legacyEdge)) return 'legacy';
  return choice === 'auto' ? 'auto' : { pin: choice };
}

/**
 * What stopped the version probe, when it is a failure to reach the gateway (a refusal, a network
 * error) rather than a verdict on the protocol: retried and reported as any request's would be.
 */
function reachFailure(err: unknown): unknown {
  const unreached = err instanceof SdkError && err.code === SdkErrorCode.EraNegotiationFailed;
  return unreached && err.cause instanceof Error ? err.cause : err;
}

export interface OpenOptions {
  url: URL;
  headers: Record<string, string>;
  fetch: typeof fetch;
  protocol: ProtocolChoice;
  name: string;
  /** Told when the gateway's tools may have changed. */
  toolsChanged: () => void;
}

/** An official SDK client connected to the gateway: a 2025 session, or a 2026-07-28 connection. */
export async function openClient(options: OpenOptions): Promise<Client> {
  const client = new Client(
    { name: options.name, version: '0.1.0' },
    { versionNegotiation: { mode: negotiation(options.protocol, options.url) } },
  );
  client.setNotificationHandler('notifications/tools/list_changed', () => options.toolsChanged());
  try {
    await client.connect(transportFor(options.url, options.headers, options.fetch));
  } catch (err) {
    throw reachFailure(err);
  }
  if (client.getProtocolEra() === 'modern') void watchToolChanges(client, options.toolsChanged);
  return client;
}
