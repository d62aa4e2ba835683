import type { Caller } from './caller.js';

/**
 * The one key for everything the gateway keeps per caller (sessions, quotas, rate limits,
 * concurrency, server-request bindings, what providers key their own state by):
 * `<method>:<issuer>:<tenant>:<subject>`, each part percent-encoded so no value can spell another.
 * A subject alone is not unique: an API key's subject and a JWT `sub` may be the same string and
 * still be two different callers. API keys all come from the one auth file, so their issuer is
 * empty; `none` has neither issuer nor tenant.
 */
export function principalOf(
  method: Caller['method'],
  issuer: string,
  tenant: string | undefined,
  subject: string,
): string {
  return [method, issuer, tenant ?? '', subject].map(encodePart).join(':');
}

/** A lone UTF-16 surrogate (`\ud800` without its pair): encodeURIComponent throws on one. */
const LONE_SURROGATE = /(\p{Surrogate})/u;

/** Whether `value` is well-formed Unicode, as every identity claim the gateway accepts must be. */
export const isWellFormed = (value: string): boolean => !LONE_SURROGATE.test(value);

/**
 * Percent-encodes one part, total on every string: a lone surrogate becomes `%uD800`, which
 * encodeURIComponent never writes (`u` is not a hex digit), so no two values share an encoding.
 */
function encodePart(value: string): string {
  return value
    .split(LONE_SURROGATE)
    .map((piece, i) =>
      i % 2 === 1 ? `%u${piece.charCodeAt(0).toString(16).toUpperCase()}` : encodeURIComponent(piece),
    )
    .join('');
}
