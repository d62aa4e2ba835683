import { readFile, stat } from 'node:fs/promises';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** How often the JWKS file is checked for a change (key rotation). */
const JWKS_RECHECK_MS = 1_000;

export interface KeySource {
  /** Re-reads the file when it changed, at most once a second; resolves true when it did change. */
  refresh(): Promise<boolean>;
  keys: JWTVerifyGetKey;
}

/** The JWKS file, loaded lazily and again when its mtime changes (key rotation). */
export function jwksFromFile(path: string): KeySource {
  let loaded: { mtimeMs: number; keys: JWTVerifyGetKey; checkedAt: number } | undefined;
  return {
    async refresh() {
      const now = Date.now();
      if (loaded && now - loaded.checkedAt < JWKS_RECHECK_MS) return false;
      const { mtimeMs } = await stat(path);
      if (loaded?.mtimeMs === mtimeMs) {
        loaded.checkedAt = now;
        return false;
      }
      const jwks = JSON.parse(await readFile(path, 'utf8')) as JSONWebKeySet;
      loaded = { mtimeMs, keys: createLocalJWKSet(jwks), checkedAt: now };
      return true;
    },
    keys: (header, token) => {
      if (!loaded) throw new Error('JWKS not loaded');
      return loaded.keys(header, token);
    },
  };
}
