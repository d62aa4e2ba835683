import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AccessDenied, type Root } from '@mcp-fleet/provider-filesystem';
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

/**
 * Everything git reads for a repository stays inside the roots: git's git directory and common
 * directory are the ones `locate` found (else the provider and git read `.git` differently, and
 * the repository is refused), a link among their entries or among the object directories leads
 * inside the roots, and so does every alternate object store git would consult (asked of git
 * itself, nested ones included). Loose object files are not inspected one by one.
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
  const { gitDir, commonDir } = located;
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
