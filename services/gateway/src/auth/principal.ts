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
  return [method, issuer, tenant ?? '', subject].map(encodeURIComponent).join(':');
}
