import { createHash } from 'node:crypto';
import { CACHE_HIT_META } from '@mcp-fleet/contract';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ToolRoute } from '../catalog/merged.js';
import type { RequestContext } from '../engine/request-context.js';
import { canonicalJson } from '../protocol/canonical-json.js';
import { type JsonObject, RawJson } from '../protocol/messages.js';
import type { CacheRule } from './cache-rule.js';

export interface ResultCacheOptions {
  /** Most entries kept; 0 turns the cache off. */
  maxEntries: number;
  /** Most bytes of results kept; one result above a sixteenth of it is never kept. */
  maxBytes: number;
  /** Longest life of an entry, whatever its tool declares. */
  maxTtlMs: number;
  registry: Registry;
}

/**
 * A cached result as JSON text only (what is counted is what is held: parsed objects would cost
 * many times their text), split so an answer from the cache gets its `_meta` marker without a parse.
 */
interface Entry {
  /** The result's own `_meta` (an object, `{}` when it had none), as JSON text. */
  meta: string;
  /** The result without `_meta`, as JSON text. */
  rest: string;
  bytes: number;
  storedAt: number;
  ttlMs: number;
  uris: readonly string[];
}

/** A tools/call result worth keeping: an object, not flagged isError. */
function splitResult(text: string): { meta: string; rest: string } | undefined {
  const result = JSON.parse(text) as unknown;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return undefined;
  const { _meta, ...rest } = result as JsonObject;
  if (rest.isError === true) return undefined;
  const { [CACHE_HIT_META]: _forged, ...meta } =
    typeof _meta === 'object' && _meta !== null && !Array.isArray(_meta) ? (_meta as JsonObject) : {};
  return { meta: JSON.stringify(meta), rest: JSON.stringify(rest) };
}

/**
 * Who the provider is told the caller is (the identity token's claims but the session id, which a
 * cacheable result must not depend on) and what the client declared: a result computed for one
 * role set, tenant, protocol version or capability set is not served for another.
 */
function keyOf(ctx: RequestContext, name: string, route: ToolRoute, args: unknown): string {
  const rule = route.cache as CacheRule;
  const { caller, session } = ctx;
  const identity = rule.public
    ? null
    : [caller.principal, caller.subject, caller.tenant ?? null, [...caller.roles].sort()];
  return createHash('sha256')
    .update(
      canonicalJson([
        name,
        route.provider,
        route.name,
        rule.revision,
        identity,
        session.protocolVersion,
        session.clientCapabilities,
        args ?? {},
      ]),
    )
    .digest('base64url');
}

/**
 * Results of tools that declare them cacheable, per replica, in memory: bounded by entries and
 * bytes (least recently used out first), each for its tool's TTL. The key is the tool, the
 * provider's catalog revision, the caller's identity as the provider receives it (none for a
 * public result), the protocol version and client capabilities, and the canonical arguments. Errors and isError results are never kept.
 */
export class ResultCache {
  /** In least-recently-used order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private readonly byUri = new Map<string, Set<string>>();
  private bytes = 0;
  /** Counts resources/updated events: a call that saw one while running keeps nothing. */
  private invalidations = 0;
  private readonly lookups: Counter<'provider' | 'tool' | 'outcome'>;

  constructor(private readonly options: ResultCacheOptions) {
    this.lookups = new Counter({
      name: 'mcpfleet_result_cache_lookups_total',
      help: 'tools/call requests of cacheable tools by provider, exposed tool name and outcome (hit, miss)',
      labelNames: ['provider', 'tool', 'outcome'] as const,
      registers: [options.registry],
    });
    const read = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers: [options.registry],
        collect() {
          this.set(value());
        },
      });
    read('mcpfleet_result_cache_entries', 'Cached tool results on this replica', () => this.entries.size);
    read('mcpfleet_result_cache_bytes', 'Bytes of cached tool results on this replica', () => this.bytes);
  }

  private get enabled(): boolean {
    return this.options.maxEntries > 0 && this.options.maxBytes > 0;
  }

  /** Answers from the cache when it may, else runs `call` and keeps what it may keep. */
  async through(
    ctx: RequestContext,
    name: string,
    route: ToolRoute,
    args: unknown,
    call: () => Promise<RawJson>,
  ): Promise<RawJson> {
    const rule = route.cache;
    if (!rule || !this.enabled) return call();
    const key = keyOf(ctx, name, route, args);
    const labels = { provider: route.provider, tool: name };
    const hit = this.get(key);
    if (hit) {
      this.lookups.inc({ ...labels, outcome: 'hit' });
      return answerOf(hit);
    }
    this.lookups.inc({ ...labels, outcome: 'miss' });
    const seen = this.invalidations;
    const result = await call();
    // What the user answered (elicitation, sampling, roots) is not part of the key: nothing kept.
    if (ctx.askedClient) return result;
    if (rule.invalidatedBy.length === 0 || seen === this.invalidations)
      this.put(key, result, Math.min(rule.ttlMs, this.options.maxTtlMs), rule.invalidatedBy);
    return result;
  }

  /** Drops every result whose tool named `uri` among its invalidating resources. */
  invalidate(uri: string): void {
    this.invalidations++;
    for (const key of this.byUri.get(uri) ?? []) this.delete(key);
  }

  private get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (Date.now() - entry.storedAt >= entry.ttlMs) {
      this.forget(key, entry);
      return undefined;
    }
    this.entries.set(key, entry);
    return entry;
  }

  private put(key: string, result: RawJson, ttlMs: number, uris: readonly string[]): void {
    if (Buffer.byteLength(result.text) > this.options.maxBytes / 16 || result.isToolError) return;
    const split = splitResult(result.text);
    if (!split) return;
    const bytes = Buffer.byteLength(split.meta) + Buffer.byteLength(split.rest);
    this.delete(key);
    this.entries.set(key, { ...split, bytes, storedAt: Date.now(), ttlMs, uris });
    this.bytes += bytes;
    for (const uri of uris) {
      const keys = this.byUri.get(uri) ?? new Set<string>();
      keys.add(key);
      this.byUri.set(uri, keys);
    }
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && this.bytes <= this.options.maxBytes) break;
      this.delete(oldest);
    }
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.forget(key, entry);
  }

  /** Releases what an entry held once it left `entries`. */
  private forget(key: string, entry: Entry): void {
    this.bytes -= entry.bytes;
    for (const uri of entry.uris) {
      const keys = this.byUri.get(uri);
      keys?.delete(key);
      if (keys?.size === 0) this.byUri.delete(uri);
    }
  }
}

/** The cached result with `_meta["io.mcp-fleet/cached"]` telling the client how old it is. */
function answerOf(entry: Entry): RawJson {
  const marker = `${JSON.stringify(CACHE_HIT_META)}:${JSON.stringify({ ageMs: Date.now() - entry.storedAt, ttlMs: entry.ttlMs })}`;
  const meta = entry.meta === '{}' ? `{${marker}}` : `${entry.meta.slice(0, -1)},${marker}}`;
  const tail = entry.rest === '{}' ? '}' : `,${entry.rest.slice(1)}`;
  return new RawJson(`{"_meta":${meta}${tail}`);
}
