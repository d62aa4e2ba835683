import { isCanonicalJws, type JwksLogger, jwksFromFile, VerifiedCache } from '@mcp-fleet/runtime';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { JwtSettings } from './auth-file.js';
import type { Caller } from './caller.js';
import { isWellFormed, principalOf } from './principal.js';

/** Why a bearer token was refused; `status` and `error` become the WWW-Authenticate challenge. */
export class TokenRejected extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly error: 'invalid_token' | 'insufficient_scope',
    message: string,
    readonly scope?: string,
  ) {
    super(message);
  }
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A claim holding a list: a JSON array, or a space-separated string (OAuth `scope`). */
function listClaim(payload: JWTPayload, path: string | undefined): string[] {
  if (!path) return [];
  const value = claimAt(payload, path);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return [];
}

/**
 * How long a verified token stands before its signature is checked again. A JWKS file's change
 * clears them at once; keys from a JWKS URL are jose's, refetched every 10 minutes or on an
 * unknown kid, so a withdrawn key admits its tokens for up to that long either way, and this
 * adds at most a minute to it.
 */
const VERIFIED_MS = 60_000;

/**
 * Verifies bearer JWTs from the configured issuer and maps their claims onto a Caller. A client
 * sends the same token on every call: what verified is remembered (while the token lives, at
 * most VERIFIED_MS), so the signature is checked about once a minute per token rather than once
 * per call. Only a token in its one canonical spelling is remembered: the base64url decoder
 * forgives padding, blanks and stray bits, and each such spelling of one valid token would
 * otherwise be an entry of its own.
 */
export function jwtVerifier(settings: JwtSettings, logger?: JwksLogger): (token: string) => Promise<Caller> {
  const verified = new VerifiedCache<Caller>(10_000, VERIFIED_MS, isCanonicalJws);
  let keys: JWTVerifyGetKey;
  let rotated: () => Promise<boolean>;
  if (settings.jwksUrl) {
    // jose caches the set, refetches on an unknown kid (rotation), and rate-limits refetches.
    keys = createRemoteJWKSet(new URL(settings.jwksUrl), {
      cooldownDuration: settings.jwksCooldownMs,
      cacheMaxAge: 600_000,
    });
    rotated = async () => false;
  } else {
    const source = jwksFromFile(settings.jwksFile ?? '', logger);
    keys = source.keys;
    rotated = () =>
      source.refresh().catch(() => {
        throw new TokenRejected(401, 'invalid_token', 'token could not be verified');
      });
  }
  const verify = callerOf(settings, keys);
  return async (token) => {
    // A changed JWKS file may have dropped a key: forget what was verified with the old set.
    if (await rotated()) verified.clear();
    const known = verified.get(token);
    if (known) return known;
    const remember = verified.begin();
    const { caller, expiresAt } = await verify(token);
    remember(token, caller, expiresAt);
    return caller;
  };
}

/** One token's full check (signature, issuer, audience, times, claims, scopes), and when it expires. */
function callerOf(
  settings: JwtSettings,
  keys: JWTVerifyGetKey,
): (token: string) => Promise<{ caller: Caller; expiresAt: number }> {
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: settings.algorithms,
        clockTolerance: settings.clockSkewS,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      const reason = err instanceof errors.JOSEError ? err.message : 'token could not be verified';
      throw new TokenRejected(401, 'invalid_token', reason);
    }
    const subject = claimAt(payload, settings.claims.subject);
    if (typeof subject !== 'string' || subject === '') {
      throw new TokenRejected(401, 'invalid_token', `the token has no "${settings.claims.subject}" claim`);
    }
    // Such a name cannot cross UTF-8 (the providers' identity token, the audit log) unchanged:
    // it would arrive as U+FFFD, the name of someone else.
    if (!isWellFormed(subject)) {
      throw new TokenRejected(
        401,
        'invalid_token',
        `the "${settings.claims.subject}" claim is not well-formed Unicode`,
      );
    }
    const scopes = listClaim(payload, settings.claims.scopes);
    const missing = settings.requiredScopes.filter((s) => !scopes.includes(s));
    if (missing.length > 0) {
      throw new TokenRejected(
        403,
        'insufficient_scope',
        `the token lacks scope ${missing.join(' ')}`,
        settings.requiredScopes.join(' '),
      );
    }
    const claimed = settings.claims.tenant ? claimAt(payload, settings.claims.tenant) : undefined;
    const tenant = typeof claimed === 'string' && claimed !== '' ? claimed : undefined;
    if (tenant !== undefined && !isWellFormed(tenant)) {
      throw new TokenRejected(
        401,
        'invalid_token',
        `the "${settings.claims.tenant}" claim is not well-formed Unicode`,
      );
    }
    const caller: Caller = {
      subject,
      principal: principalOf('jwt', settings.issuer, tenant, subject),
      roles: listClaim(payload, settings.claims.roles),
      scopes,
      method: 'jwt',
    };
    if (tenant) caller.tenant = tenant;
    return { caller, expiresAt: (payload.exp ?? 0) * 1000 };
  };
}
