import { ConfigError, parseDuration } from '@mcp-fleet/runtime';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseConfigText, readConfigFile } from '../config-files.js';

export interface ApiKeyEntry {
  /** Public key id, the part before the dot in `mcpk_<id>.<secret>`. */
  id: string;
  /** `sha256:<salt base64url>:<digest base64url>` of the secret; the secret itself is never stored. */
  hash: string;
  subject: string;
  tenant?: string;
  roles: string[];
}

export interface JwtSettings {
  issuer: string;
  audience: string;
  /** Exactly one key source. */
  jwksUrl?: string;
  jwksFile?: string;
  /** Allowed algorithms; `none` is never accepted, HS* never with a JWKS. */
  algorithms: string[];
  /** After fetching the JWKS URL, how long an unknown kid waits before the next fetch (ms). */
  jwksCooldownMs: number;
  clockSkewS: number;
  /** Dotted paths into the claims. */
  claims: { subject: string; tenant?: string; roles?: string; scopes?: string };
  /** Scopes every token must carry; a token lacking one gets 403 insufficient_scope. */
  requiredScopes: string[];
}

export interface AuthSettings {
  apiKeys: ApiKeyEntry[];
  jwt?: JwtSettings;
  /** The protected resource's URL (RFC 9728 `resource`); derived from the request when unset. */
  resource?: string;
  authorizationServers: string[];
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    apiKeys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'hash', 'subject'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          hash: { type: 'string', pattern: '^sha256:[A-Za-z0-9_-]{16,}:[A-Za-z0-9_-]{43}$' },
          subject: { type: 'string', minLength: 1 },
          tenant: { type: 'string' },
          roles: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    jwt: {
      type: 'object',
      required: ['issuer', 'audience'],
      additionalProperties: false,
      properties: {
        issuer: { type: 'string', minLength: 1 },
        audience: { type: 'string', minLength: 1 },
        jwksUrl: { type: 'string', pattern: '^https?://' },
        jwksFile: { type: 'string', minLength: 1 },
        algorithms: {
          type: 'array',
          minItems: 1,
          items: { enum: [...ASYMMETRIC, 'HS256', 'HS384', 'HS512'] },
        },
        clockSkew: { type: 'string', pattern: '^\\d+(ms|s|m)?$' },
        jwksCooldown: { type: 'string', pattern: '^\\d+(ms|s|m)?$' },
        claims: {
          type: 'object',
          additionalProperties: false,
          properties: {
            subject: { type: 'string' },
            tenant: { type: 'string' },
            roles: { type: 'string' },
            scopes: { type: 'string' },
          },
        },
        requiredScopes: { type: 'array', items: { type: 'string' } },
      },
    },
    resource: { type: 'string', pattern: '^https?://' },
    authorizationServers: { type: 'array', items: { type: 'string', pattern: '^https?://' } },
  },
};

const validate = new Ajv2020({ allErrors: true }).compile(schema);

type RawAuth = {
  apiKeys?: ApiKeyEntry[];
  jwt?: Omit<JwtSettings, 'clockSkewS' | 'algorithms' | 'claims' | 'requiredScopes' | 'jwksCooldownMs'> & {
    algorithms?: string[];
    clockSkew?: string;
    jwksCooldown?: string;
    claims?: Partial<JwtSettings['claims']>;
    requiredScopes?: string[];
  };
  resource?: string;
  authorizationServers?: string[];
};

/** Parses and checks an auth file; refuses `none`, HS* next to a JWKS, and ambiguous key sources. */
export function parseAuthFile(text: string, source: string): AuthSettings {
  const raw = parseConfigText(text, source);
  if (!validate(raw)) {
    throw new ConfigError(
      (validate.errors ?? []).map((e) => `${source}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`),
    );
  }
  const auth = raw as RawAuth;
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const key of auth.apiKeys ?? []) {
    if (ids.has(key.id)) problems.push(`${source}: API key id "${key.id}" is listed twice`);
    ids.add(key.id);
  }
  let jwt: JwtSettings | undefined;
  if (auth.jwt) {
    const sources = [auth.jwt.jwksUrl, auth.jwt.jwksFile].filter(Boolean).length;
    if (sources !== 1) problems.push(`${source}: /jwt needs exactly one of jwksUrl and jwksFile`);
    const algorithms = auth.jwt.algorithms ?? ['RS256', 'ES256', 'EdDSA'];
    if (algorithms.some((a) => a.startsWith('HS'))) {
      problems.push(`${source}: /jwt/algorithms: HS* cannot be used with a JWKS (key confusion)`);
    }
    jwt = {
      issuer: auth.jwt.issuer,
      audience: auth.jwt.audience,
      jwksUrl: auth.jwt.jwksUrl,
      jwksFile: auth.jwt.jwksFile,
      algorithms,
      clockSkewS: Math.round((parseDuration(auth.jwt.clockSkew ?? '30s') ?? 30_000) / 1000),
      jwksCooldownMs: parseDuration(auth.jwt.jwksCooldown ?? '30s') ?? 30_000,
      claims: { subject: 'sub', roles: 'roles', scopes: 'scope', ...auth.jwt.claims },
      requiredScopes: auth.jwt.requiredScopes ?? [],
    };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    apiKeys: (auth.apiKeys ?? []).map((k) => ({ ...k, roles: k.roles ?? [] })),
    jwt,
    resource: auth.resource,
    authorizationServers: auth.authorizationServers ?? (jwt ? [jwt.issuer] : []),
  };
}

export async function loadAuthFile(path: string): Promise<AuthSettings> {
  return parseAuthFile(await readConfigFile(path, 'auth file'), path);
}
