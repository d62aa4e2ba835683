import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';

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
  maxEntries: number;
  exclude: ((relative: string) => boolean)[];
}

/**
 * Breadth-first listing that never follows symbolic links (they are reported, not entered), stops
 * at maxEntries and says whether it did.
 */
export async function walk(
  base: string,
  options: WalkOptions,
): Promise<{ entries: Entry[]; truncated: boolean }> {
  const entries: Entry[] = [];
  const queue: { dir: string; depth: number }[] = [{ dir: base, depth: 1 }];
  while (queue.length > 0) {
    const { dir, depth } = queue.shift() as { dir: string; depth: number };
    const handle = await opendir(dir).catch(() => undefined);
    if (!handle) continue;
    const names: string[] = [];
    for await (const dirent of handle) names.push(dirent.name);
    names.sort();
    for (const name of names) {
      const absolute = path.join(dir, name);
      const relative = path.relative(base, absolute).split(path.sep).join('/');
      if (options.exclude.some((matches) => matches(relative))) continue;
      const info = await lstat(absolute).catch(() => undefined);
      if (!info) continue;
      const type = info.isSymbolicLink()
        ? 'symlink'
        : info.isDirectory()
          ? 'directory'
          : info.isFile()
            ? 'file'
            : 'other';
      if (entries.length >= options.maxEntries) return { entries, truncated: true };
      entries.push({ relative, absolute, type, size: info.size, modified: info.mtime.toISOString(), depth });
      if (type === 'directory' && depth < options.maxDepth) queue.push({ dir: absolute, depth: depth + 1 });
    }
  }
  return { entries, truncated: false };
}
