import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AccessDenied, type Root } from '@mcp-fleet/path-guard';
import { type Located, realInside } from './locate.js';
import { type GitLimits, git } from './run.js';

/** Where git keeps a repository, as git itself reports it (absolute paths). */
export interface Layout {
  top: string;
  gitDir: string;
  commonDir: string;
}

/** git's own view of the repository at `dir`: its top level, git directory and common directory. */
export async function layout(dir: string, limits: GitLimits): Promise<Layout> {
  const { stdout } = await git(
    dir,
    ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-dir', '--git-common-dir'],
    limits,
  );
  const [top = '', gitDir = '', commonDir = ''] = stdout.split('\n');
  return { top, gitDir, commonDir };
}

/** A git directory with more entries than this is refused as too large to check. */
const MAX_ENTRIES = 100_000;
const CACHED_VERDICTS = 256;

/** Git directories found to hold only files and directories, valid while no directory of them changed. */
const verdicts = new Map<string, Map<string, string>>();

const stampOf = (info: { ino: bigint; mtimeNs: bigint; ctimeNs: bigint }) =>
  `${info.ino}:${info.mtimeNs}:${info.ctimeNs}`;

/** Whether no directory of an earlier clean walk of `gitDir` changed (any entry added, removed or renamed would). */
async function unchanged(gitDir: string): Promise<boolean> {
  const dirs = verdicts.get(gitDir);
  if (!dirs) return false;
  for (const [dir, stamp] of dirs) {
    const info = await lstat(dir, { bigint: true }).catch(() => undefined);
    if (!info?.isDirectory() || stampOf(info) !== stamp) return false;
  }
  return true;
}

/**
 * Everything in the git directory is a regular file or a directory: no link anywhere (git appends
 * to `logs/HEAD` and creates files under `refs/tags` through one, out of the roots), no FIFO or
 * device to block on. Entries are typed from the directory listing (lstat only where the file
 * system does not say); file contents are never read. A clean verdict is kept per directory
 * stamps, so an unchanged repository costs one lstat per directory.
 */
async function checkEntries(gitDir: string, where: string) {
  if (await unchanged(gitDir)) return;
  const stamps = new Map<string, string>();
  const pending = [gitDir];
  let count = 0;
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    const info = await lstat(dir, { bigint: true });
    stamps.set(dir, stampOf(info));
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (++count > MAX_ENTRIES)
        throw new AccessDenied(`${where}: its git directory has more than ${MAX_ENTRIES} entries to check`);
      const file = path.join(dir, entry.name);
      const kind =
        entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() ? entry : await lstat(file);
      const name = path.relative(gitDir, file);
      if (kind.isSymbolicLink()) throw new AccessDenied(`${where}: its git directory holds a link (${name})`);
      if (kind.isDirectory()) pending.push(file);
      else if (!kind.isFile())
        throw new AccessDenied(
          `${where}: its git directory holds something other than files and directories (${name})`,
        );
    }
  }
  if (verdicts.size >= CACHED_VERDICTS) verdicts.clear();
  verdicts.set(gitDir, stamps);
}

/**
 * Everything git reads for a repository stays inside the roots: git's git directory and common
 * directory are the ones `locate` found (else the provider and git read `.git` differently, and
 * the repository is refused), the git directory holds only files and directories (checkEntries),
 * and every alternate object store git would consult (asked of git itself, nested ones included)
 * lies inside the roots.
 */
export async function checkStorage(
  roots: Root[],
  where: string,
  dirs: Layout,
  located: Located,
  limits: GitLimits,
) {
  const real = (dir: string) => realpath(dir).catch(() => undefined);
  if ((await real(dirs.gitDir)) !== located.gitDir || (await real(dirs.commonDir)) !== located.commonDir)
    throw new AccessDenied(`${where}: git finds its git directory somewhere other than its .git says`);
  await checkEntries(located.gitDir, where);
  const objects = path.join(located.commonDir, 'objects');
  const alternatesFile = path.join(objects, 'info/alternates');
  if (!(await lstat(alternatesFile).catch(() => undefined))) return;
  const { stdout } = await git(dirs.top, ['count-objects', '-v'], limits);
  for (const line of stdout.split('\n')) {
    const alternate = /^alternate: (.*)$/.exec(line)?.[1];
    if (alternate === undefined) continue;
    // git quotes a path with unusual bytes; such a path is refused rather than unquoted.
    if (alternate.startsWith('"'))
      throw new AccessDenied(`${where}: an alternate object store has an unusual path`);
    await realInside(roots, path.resolve(objects, alternate), `${where}: an alternate object store`);
  }
}
