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
