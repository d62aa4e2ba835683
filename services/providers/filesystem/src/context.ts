import { constants } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { HandlerContext } from '@mcp-fleet/sdk';
import { openRegular, type Resolved, resolvePath, type Scope } from './resolve.js';
import type { Root } from './roots.js';

export interface FsProvider {
  roots: Root[];
  /** Largest file read, in bytes. */
  maxRead: number;
  /** Largest file written, in bytes. */
  maxWrite: number;
}

/** How long the roots a client shared (MCP roots) are trusted before being asked again. */
const CLIENT_ROOTS_TTL_MS = 30_000;
const clientRootsCache = new Map<string, { roots: string[]; until: number }>();

/**
 * The roots a call may use: the configured ones, narrowed to the client's own MCP roots when the
 * client offers them (an intersection, never a replacement).
 */
export async function scopeOf(p: FsProvider, ctx: HandlerContext): Promise<Scope> {
  if (ctx.clientCapabilities.roots === undefined) return { roots: p.roots };
  const key = ctx.identity.sessionId ?? ctx.identity.subject;
  const cached = clientRootsCache.get(key);
  if (cached && cached.until > Date.now()) return { roots: p.roots, clientRoots: cached.roots };
  const answer = await ctx.request('roots/list');
  const uris = ((answer.roots as { uri?: string }[] | undefined) ?? [])
    .map((r) => r.uri ?? '')
    .filter((u) => u.startsWith('file://'));
  const roots = (
    await Promise.all(uris.map((u) => realpath(fileURLToPath(u)).catch(() => undefined)))
  ).filter((r): r is string => r !== undefined);
  clientRootsCache.set(key, { roots, until: Date.now() + CLIENT_ROOTS_TTL_MS });
  return { roots: p.roots, clientRoots: roots };
}

/** Reads a whole regular file within the size cap. */
export async function readFileChecked(p: FsProvider, resolved: Resolved, display: string): Promise<Buffer> {
  if (!resolved.exists) throw new Error(`${display} does not exist`);
  const handle = await openRegular(resolved, constants.O_RDONLY);
  try {
    const { size } = await handle.stat();
    if (size > p.maxRead) throw new Error(`${display} is ${size} bytes, over the read limit of ${p.maxRead}`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

export async function resolveFor(p: FsProvider, ctx: HandlerContext, input: string, want: 'read' | 'write') {
  return resolvePath(await scopeOf(p, ctx), input, want);
}
