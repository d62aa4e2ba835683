import { readFile, rename, writeFile } from 'node:fs/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/** Lifetime of an internal identity token; reused for half of it. */
const TOKEN_TTL_S = 60;
export const IDENTITY_ISSUER = 'mcp-fleet-gateway';

/** The caller, as the gateway forwards it to providers. */
export interface CallerIdentity {
  subject: string;
  /** Method, issuer, tenant and subject in one unambiguous string: what providers key caller state by. */
  principal: string;
  roles: readonly string[];
  tenant?: string;
  sessionId?: string;
}

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface IdentityMinterOptions {
  /** A private JWK (JSON file, with `alg` and `kid`); an ephemeral Ed25519 key when unset. */
  keyFile?: string;
  /** Where to write the public JWKS for providers (written atomically). */
  jwksOut?: string;
}

/**
 * Mints the short-lived JWT a provider receives instead of the caller's credential
 * (audience = provider name). Tokens are cached per provider and caller for half their life.
 */
export class IdentityMinter {
  private readonly cache = new Map<string, { token: string; renewAt: number }>();

  private constructor(
    private readonly key: SigningKey,
    private readonly alg: string,
    private readonly kid: string,
    readonly jwks: { keys: JWK[] },
  ) {}

  static async create(options: IdentityMinterOptions): Promise<IdentityMinter> {
    let privateJwk: JWK;
    if (options.keyFile) {
      privateJwk = JSON.parse(await readFile(options.keyFile, 'utf8')) as JWK;
      if (!privateJwk.d) throw new Error(`${options.keyFile} holds no private key`);
    } else {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      privateJwk = { ...(await exportJWK(privateKey)), alg: 'EdDSA' };
    }
    const alg = privateJwk.alg ?? 'EdDSA';
    const { d: _private, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
    const kid = privateJwk.kid ?? (await calculateJwkThumbprint(publicJwk));
    const key = (await importJWK(privateJwk, alg)) as SigningKey;
    const minter = new IdentityMinter(key, alg, kid, { keys: [{ ...publicJwk, kid, alg, use: 'sig' }] });
    if (options.jwksOut) {
      const temp = `${options.jwksOut}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(minter.jwks, null, 2));
      await rename(temp, options.jwksOut);
    }
    return minter;
  }

  async token(audience: string, caller: CallerIdentity): Promise<string> {
    // The principal holds subject and tenant; roles as JSON, not joined: ["x,y"] is not ["x","y"].
    const cacheKey = `${audience}\0${caller.principal}\0${caller.sessionId ?? ''}\0${JSON.stringify(caller.roles)}`;
    const now = Date.now();
    const cached = this.cache.get(cacheKey);
    if (cached && cached.renewAt > now) return cached.token;
    const claims: Record<string, unknown> = { principal: caller.principal, roles: caller.roles };
    if (caller.tenant) claims.tenant = caller.tenant;
    if (caller.sessionId) claims.sid = caller.sessionId;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: this.alg, kid: this.kid })
      .setIssuer(IDENTITY_ISSUER)
      .setAudience(audience)
      .setSubject(caller.subject)
      .setIssuedAt()
      .setExpirationTime(Math.floor(now / 1000) + TOKEN_TTL_S)
      .sign(this.key);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { token, renewAt: now + (TOKEN_TTL_S * 1000) / 2 });
    return token;
  }
}
