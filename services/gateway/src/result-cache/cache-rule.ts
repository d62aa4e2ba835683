import { CACHE_META } from '@mcp-fleet/contract';
import type { JsonObject } from '../protocol/messages.js';

/** How the gateway may cache one tool's results, from its definition. */
export interface CacheRule {
  ttlMs: number;
  /** One answer serves every caller; otherwise each caller (principal) has its own. */
  public: boolean;
  /** Resource URIs whose resources/updated events drop the tool's cached results. */
  invalidatedBy: string[];
  /** The provider's catalog revision: a new one leaves every older entry unreachable. */
  revision: string;
}

/** More would only let a provider make each result costlier to file. */
const MAX_INVALIDATED_BY = 32;

const isUriList = (value: unknown): value is string[] =>
  Array.isArray(value) &&
  value.length <= MAX_INVALIDATED_BY &&
  value.every((uri) => typeof uri === 'string' && uri !== '');

/**
 * The cache rule a definition declares under `_meta["io.mcp-fleet/cache"]`, when it is one the
 * gateway honours: on a tool annotated both readOnlyHint and idempotentHint, with a positive
 * integer TTL. Anything else is not cached (never a guess at what the provider meant).
 */
export function cacheRuleOf(definition: JsonObject, revision: string): CacheRule | undefined {
  const annotations = definition.annotations as Record<string, unknown> | undefined;
  if (annotations?.readOnlyHint !== true || annotations?.idempotentHint !== true) return undefined;
  const declared = (definition._meta as Record<string, unknown> | undefined)?.[CACHE_META];
  if (typeof declared !== 'object' || declared === null) return undefined;
  const { ttlMs, public: shared, invalidatedBy = [] } = declared as Record<string, unknown>;
  if (!Number.isSafeInteger(ttlMs) || (ttlMs as number) < 1) return undefined;
  if (shared !== undefined && typeof shared !== 'boolean') return undefined;
  if (!isUriList(invalidatedBy)) return undefined;
  return { ttlMs: ttlMs as number, public: shared === true, invalidatedBy, revision };
}
