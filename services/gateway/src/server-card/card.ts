import { LOCAL_CALLER } from '../auth/authenticator.js';
import type { Caller } from '../auth/caller.js';
import { principalOf } from '../auth/principal.js';
import { SERVER_INFO } from '../dispatch/dispatcher.js';
import type { JsonObject } from '../protocol/messages.js';
import { MODERN_VERSIONS, SUPPORTED_VERSIONS } from '../protocol/versions.js';

export const SERVER_CARD_TYPE = 'application/mcp-server-card+json';
export const SERVER_CARD_SCHEMA = 'https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json';
/** Vendor data goes under a namespaced `_meta` key, as the draft asks. */
const META = 'io.mcp-fleet';

/**
 * Who the card speaks for: a caller that presents no credentials. With authentication `none`
 * (loopback only) that is the local caller; otherwise the policy role `anonymous`, which no
 * credential grants, so a policy without that role shows the card no tools.
 */
export function anonymousCaller(authMode: 'none' | 'authenticated'): Caller {
  if (authMode === 'none') return LOCAL_CALLER;
  return {
    subject: 'anonymous',
    principal: principalOf('none', '', undefined, 'anonymous'),
    roles: ['anonymous'],
    scopes: [],
    method: 'none',
  };
}

export interface CardInputs {
  name: string;
  /** Public base URL, without a trailing slash. */
  baseUrl: string;
  authMode: 'none' | 'authenticated';
  /** Tools the anonymous caller may see. */
  tools: JsonObject[];
}

const AUTH_HEADER = {
  name: 'Authorization',
  description: 'Bearer credentials: an API key or a JWT access token',
  isRequired: true,
  isSecret: true,
  value: 'Bearer {token}',
  variables: { token: { description: 'API key or access token', isRequired: true, isSecret: true } },
};

/**
 * The draft server card (SEP-2127, experimental-ext-server-card schema v1): identity, the two
 * transports the schema names (Streamable HTTP, legacy SSE), how to authenticate, and under
 * `_meta` the WebSocket edge and the tools an anonymous caller may see (name, title, description).
 */
export function serverCard({ name, baseUrl, authMode, tools }: CardInputs): JsonObject {
  const headers = authMode === 'authenticated' ? { headers: [AUTH_HEADER] } : {};
  return {
    $schema: SERVER_CARD_SCHEMA,
    name,
    version: SERVER_INFO.version,
    title: SERVER_INFO.title,
    description: 'MCP gateway in front of a fleet of gRPC tool providers, under one policy.',
    remotes: [
      {
        type: 'streamable-http',
        url: `${baseUrl}/mcp`,
        ...headers,
        supportedProtocolVersions: [...MODERN_VERSIONS, ...SUPPORTED_VERSIONS],
      },
      { type: 'sse', url: `${baseUrl}/sse`, ...headers, supportedProtocolVersions: ['2024-11-05'] },
    ],
    _meta: {
      [`${META}/auth`]: {
        mode: authMode,
        ...(authMode === 'authenticated'
          ? { resourceMetadata: `${baseUrl}/.well-known/oauth-protected-resource/mcp` }
          : {}),
      },
      [`${META}/transports`]: [
        { type: 'websocket', url: `${baseUrl.replace(/^http/, 'ws')}/ws`, subprotocol: 'mcp' },
      ],
      [`${META}/tools`]: tools.map(({ name, title, description }) => ({ name, title, description })),
    },
  };
}

/** The AI Catalog document advertising the card (docs/discovery.md of the draft). */
export function aiCatalog(name: string, baseUrl: string): JsonObject {
  const host = new URL(baseUrl).hostname;
  const local = name.split('/').pop() ?? 'gateway';
  return {
    specVersion: '1.0',
    entries: [
      {
        identifier: `urn:air:${host}:mcp:${local}`,
        type: SERVER_CARD_TYPE,
        url: `${baseUrl}/mcp/server-card`,
      },
    ],
  };
}
