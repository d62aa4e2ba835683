import { readFile, stat } from 'node:fs/promises';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';

/** How often the JWKS file is checked for a change (key rotation). */
const JWKS_RECHECK_MS = 1_000;

export interface KeySource {
  /** Re-reads the file when it changed, at most once a second; resolves true when it did change. */
  refresh(): Promise<boolean>;
  keys: JWTVerifyGetKey;
}

/** Where a JWKS file's trouble is told: the one place an operator learns why tokens are refused. */
export type JwksLogger = Pick<Logger, 'error' | 'info'>;

/**
 * The JWKS file, loaded lazily and again when its mtime changes (key rotation). A file that cannot
 * be read or parsed refuses every token (its keys may have been withdrawn), is logged once per
 * distinct problem and once when it is usable again, and is not touched again until the next
 * check: a caller sending tokens does not make the disk work on each.
 */
export function jwksFromFile(path: string, logger?: JwksLogger): KeySource {
  let loaded: { mtimeMs: number; keys: JWTVerifyGetKey; checkedAt: number } | undefined;
  let failed: { error: Error; checkedAt: number } | undefined;
  const reload = async (now: number): Promise<boolean> => {
    const { mtimeMs } = await stat(path);
    if (loaded?.mtimeMs === mtimeMs) {
      loaded.checkedAt = now;
      return false;
    }
    const jwks = JSON.parse(await readFile(path, 'utf8')) as JSONWebKeySet;
    loaded = { mtimeMs, keys: createLocalJWKSet(jwks), checkedAt: now };
    return true;
  };
  return {
    async refresh() {
      const now = Date.now();
      if (failed && now - failed.checkedAt < JWKS_RECHECK_MS) throw failed.error;
      if (!failed && loaded && now - loaded.checkedAt < JWKS_RECHECK_MS) return false;
      try {
        const changed = await reload(now);
        if (failed) logger?.info({ path }, 'JWKS file usable again');
        failed = undefined;
        return changed;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (failed?.error.message !== error.message)
          logger?.error(
            { path, problem: error.message },
            'JWKS file unusable: every token it verifies is refused',
          );
        failed = { error, checkedAt: now };
        throw error;
      }
    },
    keys: (header, token) => {
      if (!loaded) throw new Error('JWKS not loaded');
      return loaded.keys(header, token);
    },
  };
}
