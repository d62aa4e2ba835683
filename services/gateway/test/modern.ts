import { META } from '../src/protocol/request-meta.js';
import { post } from './support.js';

/** MCP 2026-07-28 as a raw client speaks it: the envelope, the routing headers, one POST per request. */
export const MODERN = '2026-07-28';

/** The `_meta` keys, as the gateway names them. */
export const META_KEYS = META;

export const envelope = (extra: Record<string, unknown> = {}) => ({
  [META_KEYS.protocolVersion]: MODERN,
  [META_KEYS.clientCapabilities]: {},
  [META_KEYS.clientInfo]: { name: 'raw', version: '1' },
  ...extra,
});

export const modernRequest = (
  id: number | string,
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
) => ({ jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope(meta) } });

/** A JSON-RPC request as these helpers read it. */
export interface ModernBody {
  method: string;
  params?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The routing headers a conforming client sends for `body`. */
export function routingHeaders(body: ModernBody): Record<string, string> {
  const headers: Record<string, string> = { 'mcp-protocol-version': MODERN, 'mcp-method': body.method };
  const name = body.params?.name ?? body.params?.uri;
  if (typeof name === 'string' && ['tools/call', 'prompts/get', 'resources/read'].includes(body.method))
    headers['mcp-name'] = name;
  return headers;
}

/** POSTs a 2026 request with its routing headers (`headers` overrides or adds). */
export const postModern = (url: string, body: ModernBody, headers: Record<string, string> = {}) =>
  post(url, body, { ...routingHeaders(body), ...headers });
