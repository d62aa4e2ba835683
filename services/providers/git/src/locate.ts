import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AccessDenied, type Root, within } from '@mcp-fleet/provider-filesystem';

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
 * The git directory and common directory git will use for the working tree `dir`, read exactly as
 * git reads `.git` (a directory, a link, or a `gitdir:` file) and `commondir`, each of which must
 * lead inside the roots. Nothing is asked of git: git is never pointed at a directory elsewhere,
 * not even to read its config.
 */
export async function locate(roots: Root[], dir: string, where: string): Promise<Located> {
  const dotGit = path.join(dir, '.git');
  const info = await lstat(dotGit).catch(() => undefined);
  if (!info) throw new AccessDenied(`${where} is not a git repository`);
  let gitDir: string;
  if (info.isSymbolicLink() || info.isDirectory())
    gitDir = await realInside(roots, dotGit, `${where}: its .git link`);
  else if (info.isFile()) {
    const what = `${where}: its .git file`;
    const target = pointerPath(await readPointer(dotGit, what), 'gitdir: ', what);
    gitDir = await realInside(roots, path.resolve(dir, target), `${what} points to a directory that`);
  } else throw new AccessDenied(`${where}: its .git is neither a directory nor a file`);

  const commonFile = path.join(gitDir, 'commondir');
  if (!(await lstat(commonFile).catch(() => undefined))) return { gitDir, commonDir: gitDir };
  const what = `${where}: its commondir file`;
  const target = pointerPath(await readPointer(commonFile, what), '', what);
  const commonDir = await realInside(
    roots,
    path.resolve(gitDir, target),
    `${where}: its common git directory`,
  );
  return { gitDir, commonDir };
}

/**
 * Git must not be able to rewrite what it reads as configuration (config, config.worktree,
 * info/attributes, hooks' replacements) while it runs: a checkout, stash apply, merge, reset or
 * restore writes working-tree files and then starts more git processes that read the config again.
 * So a git or common directory inside any working tree git may write in this run (the repository's
 * own, and its superprojects') is admitted only below a `.git` component, a path git refuses to
 * check out in any form; anywhere else in the working tree it is refused. Outside every such
 * working tree (a separate git dir, a submodule's `.git/modules/...`) it is admitted.
 */
export function checkPlacement(where: string, located: Located, workTrees: string[]): void {
  for (const dir of [located.gitDir, located.commonDir])
    for (const tree of workTrees) {
      if (!within(tree, dir)) continue;
      if (!path.relative(tree, dir).split(path.sep).includes('.git'))
        throw new AccessDenied(
          `${where}: its git directory is inside its working tree (${tree === workTrees.at(-1) ? 'its own' : "a superproject's"}), ` +
            'where a checkout could rewrite its config; only <work tree>/.git or a directory outside the working tree is supported',
        );
    }
}
