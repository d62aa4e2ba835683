import { FleetError } from '@mcp-fleet/contract';
import type { JwksLogger } from '@mcp-fleet/runtime';
import { apiKeyVerifier, looksLikeApiKey } from './api-keys.js';
import type { AuthSettings } from './auth-file.js';
import type { Caller } from './caller.js';
import { jwtVerifier, TokenRejected } from './jwt.js';
import { principalOf } from './principal.js';

export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/** The caller of `none` mode: only ever on a loopback listener. */
export const LOCAL_CALLER: Caller = {
  subject: 'local',
  principal: principalOf('none', '', undefined, 'local'),
  roles: ['local'],
  scopes: [],
  method: 'none',
};

/** The credentials an exchange presents (headers, or what an edge maps onto them). */
export interface Credentials {
  authorization?: string;
  'x-api-key'?: string;
}

export interface Authenticator {
  /** The caller of a request; throws Unauthenticated/Forbidden FleetErrors carrying a WWW-Authenticate challenge. */
  authenticate(headers: Credentials, baseUrl: string): Promise<Caller>;
  /** RFC 9728 protected-resource metadata for this gateway. */
  resourceMetadata(baseUrl: string): Record<string, unknown>;
  readonly mode: 'none' | 'authenticated';
}

function challenge(baseUrl: string, extra: Record<string, string> = {}): string {
  const params = { resource_metadata: `${baseUrl}${RESOURCE_METADATA_PATH}`, ...extra };
  return `Bearer ${Object.entries(params)
    .map(([k, v]) => `${k}="${v.replace(/["\\]/g, '')}"`)
    .join(', ')}`;
}

function unauthorized(baseUrl: string, message: string, error?: string): FleetError {
  const extra: Record<string, string> = error ? { error, error_description: message } : {};
  return new FleetError('Unauthenticated', `Unauthorized: ${message}`, {
    headers: { 'www-authenticate': challenge(baseUrl, extra) },
  });
}

/** `none` trusts every caller as LOCAL_CALLER; the server refuses it unless bound to loopback. */
export function noAuthentication(): Authenticator {
  return {
    mode: 'none',
    authenticate: async () => LOCAL_CALLER,
    resourceMetadata: (baseUrl) => ({
      resource: `${baseUrl}/mcp`,
      authorization_servers: [],
      bearer_methods_supported: [],
    }),
  };
}

/** API keys and/or JWT bearer tokens, as the auth file configures them. */
export function createAuthenticator(settings: AuthSettings, logger?: JwksLogger): Authenticator {
  const apiKey = apiKeyVerifier(settings.apiKeys);
  const jwt = settings.jwt ? jwtVerifier(settings.jwt, logger) : undefined;
  return {
    mode: 'authenticated',
    async authenticate(headers, baseUrl) {
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
      const token = bearer ?? headers['x-api-key'];
      if (!token) throw unauthorized(baseUrl, 'credentials required');
      if (looksLikeApiKey(token)) {
        const caller = apiKey(token);
        if (!caller) throw unauthorized(baseUrl, 'invalid API key', 'invalid_token');
        return caller;
      }
      if (!jwt) throw unauthorized(baseUrl, 'bearer tokens are not accepted here', 'invalid_token');
      try {
        return await jwt(token);
      } catch (err) {
        if (!(err instanceof TokenRejected)) throw err;
        if (err.status === 401) throw unauthorized(baseUrl, err.message, err.error);
        const extra: Record<string, string> = { error: err.error, error_description: err.message };
        if (err.scope) extra.scope = err.scope;
        throw new FleetError('Forbidden', `Forbidden: ${err.message}`, {
          headers: { 'www-authenticate': challenge(baseUrl, extra) },
        });
      }
    },
    resourceMetadata(baseUrl) {
      return {
        resource: settings.resource ?? `${baseUrl}/mcp`,
        authorization_servers: settings.authorizationServers,
        bearer_methods_supported: ['header'],
        scopes_supported: settings.jwt?.requiredScopes ?? [],
      };
    },
  };
}
