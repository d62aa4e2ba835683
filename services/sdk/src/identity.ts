import type { Metadata } from '@grpc/grpc-js';
import { isCanonicalJws, type JwksLogger, jwksFromFile, VerifiedCache } from '@mcp-fleet/runtime';
import { jwtVerify } from 'jose';
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
  /** Where an unreadable JWKS file is reported (every call is refused while it is). */
  logger?: JwksLogger;
}

export class IdentityError extends Error {
  override name = 'IdentityError';
}

export type IdentityVerifier = (metadata: Metadata) => Promise<Identity>;

/** Insecure mode's caller: written like the gateway's principal of an unauthenticated caller. */
const ANONYMOUS: Identity = { subject: 'anonymous', principal: 'none:::anonymous', roles: [] };

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Verifies the internal identity JWT the gateway puts in `authorization: Bearer ...`.
 * The caller's own credential never reaches a provider; this token is short-lived and scoped to
 * one provider by its audience.
 */
export function createIdentityVerifier(options: IdentityVerifierOptions): IdentityVerifier {
  // Verified tokens are remembered until they expire: the gateway reuses a token for many calls.
  const verified = new VerifiedCache<Identity>(10_000, undefined, isCanonicalJws);
  const source = options.jwksFile ? jwksFromFile(options.jwksFile, options.logger) : undefined;
  return async (metadata) => {
    const header = metadata.get('authorization')[0];
    const token =
      typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header)?.[1] : undefined;
    if (!source) {
      if (options.insecure) return ANONYMOUS;
      throw new IdentityError('provider has no identity keys configured');
    }
    if (!token) throw new IdentityError('missing internal identity token');
    let rotated: boolean;
    try {
      rotated = await source.refresh();
    } catch (err) {
      throw new IdentityError(`cannot read the JWKS: ${(err as Error).message}`);
    }
    // A rotated JWKS may have dropped a key: forget what was verified with the old set.
    if (rotated) verified.clear();
    const known = verified.get(token);
    if (known) return known;
    const remember = verified.begin();
    try {
      const { payload } = await jwtVerify(token, source.keys, {
        algorithms: ALGORITHMS,
        audience: options.audience,
        issuer: options.issuer,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['sub', 'exp', 'principal'],
      });
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is string => typeof r === 'string')
        : [];
      const principal = stringClaim(payload.principal);
      // Without it a provider could only key callers by subject, which two callers may share.
      if (!principal) throw new Error('the "principal" claim must be a non-empty string');
      const identity: Identity = { subject: payload.sub ?? '', principal, roles };
      const tenant = stringClaim(payload.tenant);
      const sessionId = stringClaim(payload.sid);
      if (tenant) identity.tenant = tenant;
      if (sessionId) identity.sessionId = sessionId;
      remember(token, identity, (payload.exp ?? 0) * 1000);
      return identity;
    } catch (err) {
      // jose's messages name the failed check (signature, "exp" claim, audience) and never the token.
      throw new IdentityError(`invalid internal identity token: ${(err as Error).message}`);
    }
  };
}
