import { realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Intent, type Located, locate, type Root, type Scope } from '@mcp-fleet/path-guard';
import type { HandlerContext } from '@mcp-fleet/sdk';

export interface FsProvider {
  roots: Root[];
  /** Largest file read, in bytes. */
  maxRead: number;
  /** Largest file written, in bytes. */
  maxWrite: number;
  /** How long one grep may spend matching, in milliseconds (10 s unless said). */
  grepDeadlineMs?: number;
}

/** How long the roots a client shared (MCP roots) are trusted before being asked again. */
const CLIENT_ROOTS_TTL_MS = 30_000;
const clientRootsCache = new Map<string, { roots: string[]; until: number }>();

/** Drops the answers that have expired, once the cache is large enough for it to matter. */
function forgetExpired(now: number): void {
  if (clientRootsCache.size < 1_000) return;
  for (const [key, entry] of clientRootsCache) if (entry.until <= now) clientRootsCache.delete(key);
}

/**
 * The roots a call may use: the configured ones, narrowed to the client's own MCP roots when the
 * client offers them (an intersection, never a replacement).
 */
export async function scopeOf(p: FsProvider, ctx: HandlerContext): Promise<Scope> {
  if (ctx.clientCapabilities.roots === undefined) return { roots: p.roots };
  // Roots belong to one client of one caller: a principal (not a bare subject, which an API key
  // and a JWT may share) and, where there is one, its session.
  const key = `${ctx.identity.principal}\0${ctx.identity.sessionId ?? ''}`;
  const cached = clientRootsCache.get(key);
  if (cached && cached.until > Date.now()) return { roots: p.roots, clientRoots: cached.roots };
  const answer = await ctx.request('roots/list');
  const uris = ((answer.roots as { uri?: string }[] | undefined) ?? [])
    .map((r) => r.uri ?? '')
    .filter((u) => u.startsWith('file://'));
  const roots = (
    await Promise.all(uris.map((u) => realpath(fileURLToPath(u)).catch(() => undefined)))
  ).filter((r): r is string => r !== undefined);
  forgetExpired(Date.now());
  clientRootsCache.set(key, { roots, until: Date.now() + CLIENT_ROOTS_TTL_MS });
  return { roots: p.roots, clientRoots: roots };
}

/** Locates a caller's path for this call's scope: the one way every tool turns a path into a place. */
export async function locateFor(
  p: FsProvider,
  ctx: HandlerContext,
  input: string,
  intent: Intent,
): Promise<Located> {
  return locate(await scopeOf(p, ctx), input, intent);
}
