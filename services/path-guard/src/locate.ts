import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { walkPath } from './resolve.js';
import { type Root, within } from './roots.js';

const MAX_PATH = 4096;
const MAX_SEGMENT = 255;

/** Refused with a message that names only what the caller gave, never where a link points. */
export class AccessDenied extends Error {
  override name = 'AccessDenied';
}

export interface Scope {
  roots: Root[];
  /** Client roots (MCP roots), real paths; when present, a path must lie in one of them too. */
  clientRoots?: string[];
}

/** What an operation does with the place a caller named. */
export interface Intent {
  want: 'read' | 'write';
  /**
   * `follow`: a final symbolic link is followed and its target is the place (reading, listing).
   * `entry`: the name itself is the place, never followed (stat, delete, rename, replace).
   */
  final: 'follow' | 'entry';
  /** The operation deletes, moves or replaces the place: never a root, nor a directory holding one. */
  removes?: boolean;
}

export interface Resolved {
  /** Where the operation really acts: symlinks resolved up to the final target (see Intent.final). */
  real: string;
  /** The innermost root holding `real`. */
  root: Root;
  /** Whether something exists there (for `entry`, the name itself, link or not). */
  exists: boolean;
}

/** A place that passed the containment check, with what is needed to check it again after use. */
export interface Located extends Resolved {
  input: string;
  scope: Scope;
  intent: Intent;
  /** For `entry`: the real directory holding the name; undefined when the place is a root. */
  parent?: string;
  /** For `entry`: the name inside `parent`. */
  name: string;
}

/**
 * THE containment check. Every operation's final target passes through it, after every join and
 * every realpath, and again after a file is opened (its descriptor's real path). It admits a place
 * only when it lies in a root (the innermost one decides), in the client's shared roots when there
 * are any, in a writable root for writes. An operation that removes or replaces a place is refused
 * when the place is, or holds, any entry a root's path goes through (the root itself, and every
 * directory and link on its way: see Root.way), so no root can be swapped for other content.
 */
export function contain(scope: Scope, real: string, input: string, intent: Intent): Root {
  const holding = scope.roots.filter((r) => within(r.real, real));
  if (holding.length === 0) throw new AccessDenied(`${input} is outside the allowed roots`);
  const root = holding.reduce((inner, r) => (r.real.length > inner.real.length ? r : inner));
  if (scope.clientRoots && !scope.clientRoots.some((c) => within(c, real)))
    throw new AccessDenied(`${input} is outside the roots this client shared`);
  if (intent.want === 'write' && !root.writable) throw new AccessDenied(`${input} is in a read-only root`);
  if (intent.removes) {
    const way = (r: Root) => r.way ?? [r.real];
    if (scope.roots.some((r) => way(r).some((entry) => within(real, entry)))) {
      const what = scope.roots.some((r) => r.real === real)
        ? 'is a root'
        : scope.roots.some((r) => way(r).includes(real))
          ? 'is on the way to a root'
          : 'holds a root';
      throw new AccessDenied(`${input} ${what}: it cannot be deleted, moved or overwritten`);
    }
  }
  return root;
}

interface Location {
  real: string;
  exists: boolean;
  /** Why the path cannot be used, said only once the location passed the containment check. */
  problem?: string;
}

/**
 * Where an absolute, normalised path really leads, its final link followed. realpath answers when
 * the whole path exists; otherwise the path is walked component by component as the kernel would
 * (see walkPath), so a link whose target holds `..` is resolved where the kernel resolves it.
 */
async function realLocation(absolute: string): Promise<Location> {
  const resolved = await realpath(absolute).catch(() => undefined);
  if (resolved !== undefined) return { real: resolved, exists: true };
  const { real, exists, problem } = await walkPath(absolute, true);
  return { real, exists, ...(problem ? { problem } : {}) };
}

function checkInput(input: string): void {
  if (typeof input !== 'string' || input === '') throw new AccessDenied('empty path');
  if (input.includes('\0')) throw new AccessDenied('a path cannot contain NUL bytes');
  if (input.length > MAX_PATH || input.split('/').some((s) => s.length > MAX_SEGMENT))
    throw new AccessDenied('path too long');
}

/**
 * Turns a caller's path into a place inside an allowed root, or refuses it. Relative paths start at
 * the first root; `..` and `.` are resolved lexically first (so `..` can never name a parent of a
 * root), `~`, `%2e%2e` and the like are plain names. Both the lexical path and the real final
 * target must lie in a root.
 */
export async function locate(scope: Scope, input: string, intent: Intent): Promise<Located> {
  checkInput(input);
  const first = scope.roots[0] as Root;
  const absolute = path.resolve(first.given, input);
  if (!scope.roots.some((r) => within(r.given, absolute) || within(r.real, absolute)))
    throw new AccessDenied(`${input} is outside the allowed roots`);
  const named = scope.roots.find((r) => r.given === absolute || r.real === absolute);
  let place: Location & { parent?: string; name: string };
  if (named) place = { real: named.real, exists: true, name: path.basename(named.real) };
  else if (intent.final === 'follow')
    place = { ...(await realLocation(absolute)), name: path.basename(absolute) };
  else {
    const up = await realLocation(path.dirname(absolute));
    const name = path.basename(absolute);
    const real = path.join(up.real, name);
    const exists = up.exists && (await lstat(real).catch(() => undefined)) !== undefined;
    place = { real, exists, problem: up.problem, parent: up.real, name };
  }
  const root = contain(scope, place.real, input, intent);
  if (place.problem) throw new AccessDenied(`${input}: ${place.problem}`);
  return { ...place, root, input, scope, intent };
}

/** The follow-mode form for callers that need only a real path (git): a real path inside a root, or a refusal. */
export async function resolvePath(scope: Scope, input: string, want: 'read' | 'write'): Promise<Resolved> {
  const { real, root, exists } = await locate(scope, input, { want, final: 'follow' });
  return { real, root, exists };
}

/** The intents tools use: read a target, look at a name, create a name, remove or replace a name. */
export const INTENT = {
  read: { want: 'read', final: 'follow' },
  inspect: { want: 'read', final: 'entry' },
  create: { want: 'write', final: 'entry' },
  replace: { want: 'write', final: 'entry', removes: true },
} satisfies Record<string, Intent>;
