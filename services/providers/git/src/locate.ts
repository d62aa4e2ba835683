import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AccessDenied, type Root, within } from '@mcp-fleet/path-guard';

/** Where git will keep a repository (real paths), worked out without asking git. */
export interface Located {
  gitDir: string;
  commonDir: string;
}

/** git reads a `.git` file or `commondir` whole; one longer than this is refused rather than cut. */
const MAX_POINTER = 4096;

const inRoots = (roots: Root[], real: string) => roots.some((r) => within(r.real, real));

/** The real path of `file`, which must lie inside the roots; the message never says where it pointed. */
export async function realInside(roots: Root[], file: string, what: string): Promise<string> {
  const real = await realpath(file).catch(() => undefined);
  if (!real || !inRoots(roots, real)) throw new AccessDenied(`${what} is outside the allowed roots`);
  return real;
}

/** A small regular file whole; never blocks on a FIFO swapped in, never follows a link. */
async function readPointer(file: string, what: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => {
      throw new AccessDenied(`${what} cannot be read as a plain file`);
    },
  );
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(MAX_POINTER + 1), 0, MAX_POINTER + 1, 0);
    if (bytesRead > MAX_POINTER) throw new AccessDenied(`${what} is longer than ${MAX_POINTER} bytes`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * A path as git takes it from a pointer file: everything after `prefix`, with only trailing CR and
 * LF removed (never spaces: `gitdir: inner ` names `inner `). A NUL or an inner line break, which
 * git would read differently from us, is refused.
 */
function pointerPath(content: string, prefix: string, what: string): string {
  if (!content.startsWith(prefix)) throw new AccessDenied(`${what} is not in the form git reads`);
  const value = content.slice(prefix.length).replace(/[\r\n]+$/, '');
  if (value === '' || /[\0\r\n]/.test(value)) throw new AccessDenied(`${what} is not in the form git reads`);
  return value;
}

/**
 * No other repository in the roots has a working tree around `dir`: its checkout, reset --hard or
 * stash apply could replace the directory holding this repository (git deletes an untracked nested
 * repository, `.git` and all, when reset --hard puts a file or link in its place), and a git
 * process already started here would then read whatever took its place.
 */
async function checkNotNested(roots: Root[], dir: string, where: string) {
  for (let up = path.dirname(dir); inRoots(roots, up); up = path.dirname(up)) {
    if (await lstat(path.join(up, '.git')).catch(() => undefined))
      throw new AccessDenied(
        `${where} is inside the working tree of another repository, whose checkout could replace it; ` +
          'only repositories side by side (or submodules, through their superproject) are supported',
      );
    if (up === path.dirname(up)) return;
  }
}

/**
 * Where git keeps the repository at `dir` (a real path), admitted only where no checkout of this or
 * any other repository can write or remove it. git never checks out, removes or replaces a path
 * through a `.git` component, and never deletes the top-level `.git` of the repository it runs in,
 * so the git directory must be `<dir>/.git` itself: a real directory (not a link, not a `gitdir:`
 * file), with no `commondir` (linked worktrees are not supported), and `dir` not inside another
 * repository's working tree. The one exception is a submodule of an admitted superproject
 * (`superGitDir`): its `.git` is a `gitdir:` file leading into `<superGitDir>/modules/`, read exactly
 * as git reads it. Nothing is asked of git.
 */
export async function locate(
  roots: Root[],
  dir: string,
  where: string,
  superGitDir?: string,
): Promise<Located> {
  const dotGit = path.join(dir, '.git');
  const info = await lstat(dotGit).catch(() => undefined);
  if (!info) throw new AccessDenied(`${where} is not a git repository`);
  let gitDir: string;
  if (superGitDir === undefined) {
    if (!info.isDirectory())
      throw new AccessDenied(
        `${where}: its .git is not a directory; a .git link or gitdir: file (a separate git directory, ` +
          "a linked worktree) is supported only for a submodule, under its superproject's .git/modules",
      );
    await checkNotNested(roots, dir, where);
    gitDir = await realInside(roots, dotGit, `${where}: its .git directory`);
  } else {
    const what = `${where}: its .git file`;
    if (!info.isFile())
      throw new AccessDenied(`${what} must be a gitdir: file leading into the superproject's .git/modules`);
    const target = pointerPath(await readPointer(dotGit, what), 'gitdir: ', what);
    gitDir = await realInside(roots, path.resolve(dir, target), `${what} points to a directory that`);
    if (!within(path.join(superGitDir, 'modules'), gitDir) || gitDir === path.join(superGitDir, 'modules'))
      throw new AccessDenied(`${what} does not lead into the superproject's .git/modules`);
  }
  if (await lstat(path.join(gitDir, 'commondir')).catch(() => undefined))
    throw new AccessDenied(`${where}: linked worktrees (a commondir file) are not supported`);
  return { gitDir, commonDir: gitDir };
}
