import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { AccessDenied } from '@mcp-fleet/path-guard';
import { type GitLimits, git } from './run.js';

/** Listing the index of a very large repository takes this much output at most. */
const INDEX_LISTING_CAP = 64 * 1024 * 1024;
const CACHED_INDEXES = 256;

/** Gitlinks per index file, valid while the index file is unchanged (a rewrite changes inode or times). */
const cache = new Map<string, { stamp: string; paths: string[] }>();

/** The paths of every gitlink (submodule commit) in the index of the repository at `top`. */
async function gitlinks(top: string, gitDir: string, limits: GitLimits): Promise<string[]> {
  const index = path.join(gitDir, 'index');
  const info = await stat(index, { bigint: true }).catch(() => undefined);
  if (!info) return [];
  const stamp = `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
  const hit = cache.get(index);
  if (hit?.stamp === stamp) return hit.paths;
  const { stdout, truncated } = await git(top, ['ls-files', '-z', '--stage'], {
    ...limits,
    maxOutput: INDEX_LISTING_CAP,
  });
  if (truncated) throw new AccessDenied(`${top}: its index is too large to check for submodules`);
  const paths = stdout
    .split('\0')
    .filter((entry) => entry.startsWith('160000 '))
    .map((entry) => entry.slice(entry.indexOf('\t') + 1));
  if (cache.size >= CACHED_INDEXES) cache.clear();
  cache.set(index, { stamp, paths });
  return paths;
}

/**
 * The working directories of the submodules git may still enter from `top` (stash push and commit
 * do when `.gitmodules` says `ignore = none`, with that submodule's own config): gitlinks whose
 * directory holds a `.git`.
 */
export async function populatedSubmodules(top: string, gitDir: string, limits: GitLimits): Promise<string[]> {
  const found: string[] = [];
  for (const link of await gitlinks(top, gitDir, limits)) {
    const dir = path.join(top, link);
    if (await lstat(path.join(dir, '.git')).catch(() => undefined)) found.push(dir);
  }
  return found;
}
