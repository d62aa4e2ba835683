import { readFile, stat } from 'node:fs/promises';
import type { Metadata } from '@grpc/grpc-js';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Identity } from './define.js';

/** Asymmetric algorithms only: a provider holds public keys and can never mint a token itself. */
const ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'RS256', 'PS256'];

/** Allowed clock difference between gateway and provider when checking exp/nbf/iat. */
const CLOCK_TOLERANCE_S = 5;

export interface IdentityVerifierOptions {
  /** Path of a JWKS file with the gateway's public keys; re-read when it changes (key rotation). */
  jwksFile?: string;
  /** Expected `aud`: the provider's name. */
  audience: string;
  /** Expected `iss`. */
  issuer: string;
  /** Accept calls without any token as an anonymous caller; only for local development. */
  insecure: boolean;
}

export class IdentityError extends Error {
  override name = 'IdentityError';
}

export type IdentityVerifier = (metadata: Metadata) => Promise<Identity>;

const ANONYMOUS: Identity = { subject: 'anonymous', roles: [] };

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Loads the JWKS lazily and again whenever the file's mtime changes. */
function jwksFromFile(path: string): JWTVerifyGetKey {
  let loaded: { mtimeMs: number; keys: JWTVerifyGetKey } | undefined;
  return async (header, token) => {
    const { mtimeMs } = await stat(path);
    if (!loaded || loaded.mtimeMs !== mtimeMs) {
      const jwks = JSON.parse(await readFile(path, 'utf8')) as JSONWebKeySet;
      loaded = { mtimeMs, keys: createLocalJWKSet(jwks) };
    }
    return loaded.keys(header, token);
  };
}

/**
 * Verifies the internal identity JWT the gateway puts in `authorization: Bearer ...`.
 * The caller's own credential never reaches a provider; this token is short-lived and scoped to
 * one provider by its audience.
 */
export function createIdentityVerifier(options: IdentityVerifierOptions): IdentityVerifier {
  const keys = options.jwksFile ? jwksFromFile(options.jwksFile) : undefined;
  return async (metadata) => {
    const header = metadata.get('authorization')[0];
    const token =
      typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header)?.[1] : undefined;
    if (!keys) {
      if (options.insecure) return ANONYMOUS;
      throw new IdentityError('provider has no identity keys configured');
    }
    if (!token) throw new IdentityError('missing internal identity token');
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ALGORITHMS,
        audience: options.audience,
        issuer: options.issuer,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['sub', 'exp'],
      });
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is string => typeof r === 'string')
        : [];
      const identity: Identity = { subject: payload.sub ?? '', roles };
      const tenant = stringClaim(payload.tenant);
      const sessionId = stringClaim(payload.sid);
      if (tenant) identity.tenant = tenant;
      if (sessionId) identity.sessionId = sessionId;
      return identity;
    } catch (err) {
      // jose's messages name the failed check (signature, "exp" claim, audience) and never the token.
      throw new IdentityError(`invalid internal identity token: ${(err as Error).message}`);
    }
  };
}
