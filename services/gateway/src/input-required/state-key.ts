import { hkdfSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@mcp-fleet/runtime';
import type { Logger } from 'pino';

/** The shortest requestState key accepted (HMAC-SHA256 gains nothing from a key longer than its block). */
const MIN_KEY_BYTES = 32;

export interface StateKeySources {
  /** MCPFLEET_REQUEST_STATE_KEY: a file holding the key. */
  requestStateKey?: string;
  /** MCPFLEET_IDENTITY_KEY: the private JWK replicas already share. */
  identityKey?: string;
  redisUrl?: string;
}

/**
 * The key requestStates are signed with. Every replica must hold the same one, since a retry may
 * land on any of them: the configured key, else one derived from the identity signing key the
 * replicas already share, else a random key, which only one process can use (warned about when
 * Redis says there may be several).
 */
export async function requestStateKey(sources: StateKeySources, logger: Logger): Promise<Buffer> {
  if (sources.requestStateKey) {
    const key = Buffer.from((await readFile(sources.requestStateKey, 'utf8')).trim(), 'utf8');
    if (key.length < MIN_KEY_BYTES)
      throw new ConfigError([
        `MCPFLEET_REQUEST_STATE_KEY: ${sources.requestStateKey} holds ${key.length} bytes, at least ${MIN_KEY_BYTES} are needed`,
      ]);
    return key;
  }
  if (sources.identityKey) {
    const jwk = JSON.parse(await readFile(sources.identityKey, 'utf8')) as { d?: string };
    if (!jwk.d) throw new ConfigError([`MCPFLEET_IDENTITY_KEY: ${sources.identityKey} holds no private key`]);
    return Buffer.from(
      hkdfSync('sha256', Buffer.from(jwk.d, 'base64url'), 'mcp-fleet', 'input_required requestState', 32),
    );
  }
  if (sources.redisUrl)
    logger.warn(
      'no MCPFLEET_REQUEST_STATE_KEY nor MCPFLEET_IDENTITY_KEY: input_required retries only work on the replica that answered them',
    );
  return randomBytes(MIN_KEY_BYTES);
}
