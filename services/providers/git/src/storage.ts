import { constants } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AccessDenied, type Root, within } from '@mcp-fleet/provider-filesystem';
import { type GitLimits, git } from './run.js';

/** Where git keeps a repository, as git itself reports it (absolute paths). */
export interface Layout {
  top: string;
  gitDir: string;
  commonDir: string;
}

const inRoots = (roots: Root[], real: string) => roots.some((r) => within(r.real, real));

/** The real path of `file`, which must lie inside the roots; the message never says where it pointed. */
async function realInside(roots: Root[], file: string, what: string): Promise<string> {
  const real = await realpath(file).catch(() => undefined);
  if (!real || !inRoots(roots, real)) throw new AccessDenied(`${what} is outside the allowed roots`);
  return real;
}

/** The start of a small regular file; never blocks on a FIFO swapped in, never follows a link. */
async function readHead(file: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Before git reads anything: a `.git` link, or a `.git` file's `gitdir:`, must lead inside the
 * roots, so git is never pointed at a directory elsewhere even to look at it.
 */
export async function checkDotGit(roots: Root[], dir: string, where: string): Promise<void> {
  const dotGit = path.join(dir, '.git');
  const info = await lstat(dotGit).catch(() => undefined);
  if (!info) throw new AccessDenied(`${where} is not a git repository`);
  if (info.isSymbolicLink()) await realInside(roots, dotGit, `${where}: its .git link`);
  else if (info.isFile()) {
    const gitdir = /^gitdir: (.+)$/m.exec(await readHead(dotGit))?.[1]?.trim();
    if (!gitdir) throw new AccessDenied(`${where}: its .git file names no gitdir`);
    await realInside(roots, path.resolve(dir, gitdir), `${where}: its .git file points to a directory that`);
  }
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

/**
 * Everything git reads for a repository stays inside the roots: the git directory, the common
 * directory (`commondir`), a link among their entries or among the object directories, and every
 * alternate object store git would consult (asked of git itself, nested ones included). A link
 * inside the roots is fine; loose object files are not inspected one by one.
 */
export async function checkStorage(roots: Root[], where: string, dirs: Layout, limits: GitLimits) {
  const gitDir = await realInside(roots, dirs.gitDir, `${where}: its git directory`);
  const commonDir = await realInside(roots, dirs.commonDir, `${where}: its common git directory`);
  const objects = path.join(commonDir, 'objects');
  for (const dir of new Set([
    gitDir,
    commonDir,
    objects,
    path.join(objects, 'pack'),
    path.join(objects, 'info'),
  ])) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries)
      if (entry.isSymbolicLink())
        await realInside(roots, path.join(dir, entry.name), `${where}: its git storage (${entry.name})`);
  }
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
