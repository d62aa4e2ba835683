import { constants } from 'node:fs';
import { type FileHandle, lstat, open, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { type Root, within } from './roots.js';

const MAX_PATH = 4096;
const MAX_SEGMENT = 255;

/** Refused with a message that names only what the caller gave, never where a link points. */
export class AccessDenied extends Error {
  override name = 'AccessDenied';
}

export interface Resolved {
  /** The real absolute path (symlinks resolved, or the nearest existing parent's for new paths). */
  real: string;
  root: Root;
  /** Whether something exists at the path. */
  exists: boolean;
}

export interface Scope {
  roots: Root[];
  /** Client roots (MCP roots), real paths; when present, a path must lie in one of them too. */
  clientRoots?: string[];
}

/** Resolves a path and its nearest existing ancestor's real path, segment by segment. */
async function realOrParent(absolute: string): Promise<{ real: string; exists: boolean }> {
  try {
    return { real: await realpath(absolute), exists: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new AccessDenied('symbolic link loop');
    if (code === 'ENOTDIR') throw new AccessDenied('a parent of the path is not a directory');
    if (code !== 'ENOENT') throw err;
  }
  // A dangling symlink must not be written through: it could point anywhere.
  const link = await lstat(absolute).catch(() => undefined);
  if (link?.isSymbolicLink())
    throw new AccessDenied('the path is a symbolic link whose target does not exist');
  const parent = path.dirname(absolute);
  if (parent === absolute) throw new AccessDenied('no existing parent');
  const resolved = await realOrParent(parent);
  return { real: path.join(resolved.real, path.basename(absolute)), exists: false };
}

/**
 * Turns a caller's path into a real path inside an allowed root. Relative paths start at the
 * first root; `~`, `%2e%2e` and the like are plain names. Both the lexical path and the real
 * path (symlinks resolved) must lie inside the same root.
 */
export async function resolvePath(scope: Scope, input: string, want: 'read' | 'write'): Promise<Resolved> {
  if (typeof input !== 'string' || input === '') throw new AccessDenied('empty path');
  if (input.includes('\0')) throw new AccessDenied('a path cannot contain NUL bytes');
  if (input.length > MAX_PATH || input.split('/').some((s) => s.length > MAX_SEGMENT))
    throw new AccessDenied('path too long');
  const first = scope.roots[0] as Root;
  const absolute = path.resolve(first.given, input);
  const lexical = scope.roots.find((r) => within(r.given, absolute) || within(r.real, absolute));
  if (!lexical) throw new AccessDenied(`${input} is outside the allowed roots`);
  const { real, exists } = await realOrParent(absolute);
  const root = scope.roots.find((r) => within(r.real, real));
  if (!root) throw new AccessDenied(`${input} is outside the allowed roots`);
  if (scope.clientRoots && !scope.clientRoots.some((c) => within(c, real))) {
    throw new AccessDenied(`${input} is outside the roots this client shared`);
  }
  if (want === 'write' && !root.writable) throw new AccessDenied(`${input} is in a read-only root`);
  return { real, root, exists };
}

/**
 * Opens a resolved regular file. The final component is never followed (O_NOFOLLOW), FIFOs and
 * devices never block (O_NONBLOCK) and are refused, and after opening, the descriptor's own path
 * (/proc/self/fd) must still lie in the root: a directory swapped for a symlink between check and
 * open is caught here. Files with several hard links are refused (one may live outside).
 */
export async function openRegular(resolved: Resolved, flags: number): Promise<FileHandle> {
  const handle = await open(resolved.real, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ELOOP') throw new AccessDenied('the path is a symbolic link');
      throw err;
    },
  );
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new AccessDenied('only regular files can be read or written');
    if (info.nlink > 1) throw new AccessDenied('files with several hard links are refused');
    const actual = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => resolved.real);
    if (!within(resolved.root.real, actual)) throw new AccessDenied('the path changed while it was opened');
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}
