/** Protocol versions the gateway speaks on Streamable HTTP, newest first. */
export const SUPPORTED_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;

export const LATEST_VERSION = SUPPORTED_VERSIONS[0];

/** What a request without an MCP-Protocol-Version header is assumed to speak (the spec's rule). */
export const DEFAULT_HEADER_VERSION = '2025-03-26';

export function isSupportedVersion(version: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(version);
}

/** The client's version when the gateway speaks it, otherwise the latest (the client decides then). */
export function negotiateVersion(requested: unknown): string {
  return typeof requested === 'string' && isSupportedVersion(requested) ? requested : LATEST_VERSION;
}

/** SSE priming events, resumable streams and SSE polling exist from 2025-11-25 on. */
export function supportsStreamResumption(version: string): boolean {
  return version >= '2025-11-25';
}

/** JSON-RPC batches were part of 2025-03-26 only. */
export function allowsBatches(version: string): boolean {
  return version === '2025-03-26';
}

/**
 * Stateless protocol versions (2026-07-28 on): no initialize, no session; every request names its
 * version in `_meta`. server/discover and UnsupportedProtocolVersion list these only, so a client
 * that probes never falls back to the handshake while a modern version is on offer.
 */
export const MODERN_VERSIONS = ['2026-07-28'] as const;

export function isModernVersion(version: unknown): boolean {
  return typeof version === 'string' && (MODERN_VERSIONS as readonly string[]).includes(version);
}
