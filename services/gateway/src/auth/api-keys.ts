import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { VerifiedCache } from '@mcp-fleet/runtime';
import type { ApiKeyEntry } from './auth-file.js';
import type { Caller } from './caller.js';
import { principalOf } from './principal.js';

/** Keys look like `mcpk_<id>.<secret>`: the id selects the entry, only the secret is hashed. */
const KEY_FORMAT = /^mcpk_([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{32,128})$/;

function digest(salt: Buffer, secret: string): Buffer {
  return createHash('sha256').update(salt).update(secret).digest();
}

/**
 * A new key and the entry that admits it. Secrets are 256 random bits, so a salted SHA-256 is
 * enough; a slow KDF would only slow every request down.
 */
export function generateApiKey(id: string): { key: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  return {
    key: `mcpk_${id}.${secret}`,
    hash: `sha256:${salt.toString('base64url')}:${digest(salt, secret).toString('base64url')}`,
  };
}

interface Entry {
  salt: Buffer;
  expected: Buffer;
  caller: Caller;
}

/** Checks presented keys against the configured hashes, in constant time per comparison. */
export function apiKeyVerifier(entries: readonly ApiKeyEntry[]): (presented: string) => Caller | undefined {
  const byId = new Map<string, Entry>(
    entries.map((e) => {
      const [, salt = '', expected = ''] = e.hash.split(':');
      const caller: Caller = {
        subject: e.subject,
        principal: principalOf('api-key', '', e.tenant, e.subject),
        roles: e.roles,
        scopes: [],
        method: 'api-key',
      };
      if (e.tenant) caller.tenant = e.tenant;
      return [
        e.id,
        { salt: Buffer.from(salt, 'base64url'), expected: Buffer.from(expected, 'base64url'), caller },
      ];
    }),
  );
  // An unknown id still costs one hash and one comparison, so timing does not reveal which ids exist.
  const decoy: Entry = {
    salt: randomBytes(16),
    expected: randomBytes(32),
    caller: { subject: '', principal: '', roles: [], scopes: [], method: 'api-key' },
  };
  // A key that verified is remembered by its whole text, so a client's every later call skips the
  // hash. One text verifies per entry, which bounds it; a guess never enters, so it always pays
  // the hash and the comparison, and timing still tells nothing of which ids exist.
  const verified = new VerifiedCache<Caller>(Math.max(1, byId.size));
  return (presented) => {
    const known = verified.get(presented);
    if (known) return known;
    const match = KEY_FORMAT.exec(presented);
    if (!match) return undefined;
    const entry = byId.get(match[1] ?? '');
    const candidate = entry ?? decoy;
    const ok = timingSafeEqual(digest(candidate.salt, match[2] ?? ''), candidate.expected);
    if (!ok || !entry) return undefined;
    verified.set(presented, entry.caller);
    return entry.caller;
  };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('mcpk_');
}
