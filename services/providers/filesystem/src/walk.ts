import type { Stats } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';
import { Anchor } from './anchor.js';

/** Most names one walk looks at: a bound on the work of any listing, search or find. */
const MAX_VISITED = 100_000;

export interface Entry {
  /** Path relative to the walk's base, `/`-separated. */
  relative: string;
  absolute: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  modified: string;
  depth: number;
}

export interface WalkOptions {
  maxDepth: number;
  /** Most entries returned. */
  maxEntries: number;
  /** Most names looked at (returned, excluded or not kept); 100,000 unless said. */
  maxVisited?: number;
  exclude: ((relative: string) => boolean)[];
  /** Which entries are returned; the others are still walked through. */
  keep?: (entry: Entry) => boolean;
  signal?: AbortSignal;
}

export interface WalkResult {
  entries: Entry[];
  truncated: boolean;
}

/**
 * Up to `most` names of a directory, read as a stream: a directory of a million entries costs no
 * more than `most` names, never the whole listing in memory.
 */
export async function someNames(directory: string, most: number, signal?: AbortSignal): Promise<string[]> {
  const names: string[] = [];
  if (most <= 0) return names;
  const dir = await opendir(directory, { bufferSize: 256 });
  try {
    for (let entry = await dir.read(); entry; entry = await dir.read()) {
      signal?.throwIfAborted();
      names.push(entry.name);
      if (names.length >= most) break;
    }
  } finally {
    await dir.close();
  }
  return names;
}

const typeOf = (info: Stats): Entry['type'] =>
  info.isSymbolicLink() ? 'symlink' : info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other';

/**
 * Breadth-first listing that never follows symbolic links (they are reported, not entered). Each
 * directory is opened with O_NOFOLLOW and must be exactly the real path expected, then read and
 * examined through its descriptor, so one swapped for a symlink meanwhile is skipped, never
 * entered. Stops at maxEntries / maxVisited and says so; a directory is read only as far as the
 * names left to visit (sorted among those). The base must be a directory.
 */
export async function walk(base: string, options: WalkOptions): Promise<WalkResult> {
  const entries: Entry[] = [];
  const maxVisited = options.maxVisited ?? MAX_VISITED;
  let visited = 0;
  const queue: { dir: string; depth: number }[] = [{ dir: base, depth: 1 }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { dir, depth } = next;
    const anchor = await Anchor.open(dir).catch((err) => {
      if (dir === base) throw err;
      return undefined;
    });
    if (!anchor) continue;
    try {
      // One name past the budget is read, so running out of it is noticed and reported.
      const names = await someNames(anchor.self, maxVisited - visited + 1, options.signal);
      for (const name of names.sort()) {
        options.signal?.throwIfAborted();
        if (++visited > maxVisited) return { entries, truncated: true };
        const absolute = path.join(dir, name);
        const relative = path.relative(base, absolute).split(path.sep).join('/');
        if (options.exclude.some((matches) => matches(relative))) continue;
        const info = await lstat(anchor.at(name)).catch(() => undefined);
        if (!info) continue;
        const type = typeOf(info);
        const entry = {
          relative,
          absolute,
          type,
          size: info.size,
          modified: info.mtime.toISOString(),
          depth,
        };
        if (options.keep?.(entry) ?? true) {
          if (entries.length >= options.maxEntries) return { entries, truncated: true };
          entries.push(entry);
        }
        if (type === 'directory' && depth < options.maxDepth) queue.push({ dir: absolute, depth: depth + 1 });
      }
    } finally {
      await anchor.close();
    }
  }
  return { entries, truncated: false };
}
