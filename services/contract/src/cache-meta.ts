/**
 * The `_meta` key of a tool definition that declares its results cacheable by the gateway. It
 * travels inside the definition JSON of Describe, so the proto needs no field of its own.
 */
export const CACHE_META = 'io.mcp-fleet/cache';

/** The `_meta` key the gateway sets on a tools/call result it answered from its result cache. */
export const CACHE_HIT_META = 'io.mcp-fleet/cached';

/** What a provider declares under CACHE_META (only on tools annotated readOnly and idempotent). */
export interface ToolCacheDeclaration {
  /** How long a result may be served again, in ms. */
  ttlMs: number;
  /** The result is the same for every caller: one cached answer may serve them all. */
  public?: boolean;
  /** Resource URIs whose notifications/resources/updated drop this tool's cached results. */
  invalidatedBy?: string[];
}
