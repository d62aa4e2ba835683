import path from 'node:path';
import { AccessDenied, type Root, resolvePath } from '@mcp-fleet/path-guard';
import { checkConfig, parseConfigListing } from './config-policy.js';
import { locate } from './locate.js';
import { GitError, type GitLimits, git, plain } from './run.js';
import { checkStorage, layout } from './storage.js';
import { populatedSubmodules } from './submodules.js';

/** A repository the caller may use: its top level, a real path inside the roots. */
export interface Repo {
  path: string;
}

/** Submodules inside submodules are followed this deep, and refused deeper. */
const MAX_SUBMODULE_DEPTH = 4;

/** The submodule of a superproject whose git directory is `superGitDir` (see `admit`). */
interface Superproject {
  gitDir: string;
  depth: number;
}

/**
 * The checks every repository passes before git runs in it for a caller, and every populated
 * submodule of it, in an order where git reads nothing not yet checked: its git directory sits
 * where no checkout can write or remove it (see `locate`); its configuration, as git reads it there
 * without following includes (local, worktree), holds only allowed keys (so no include is left to
 * follow); then git's own view of the layout must match, its top level is that very directory,
 * and its storage holds only files and directories inside the roots. git runs with submodules
 * ignored (see run.ts), but a `.gitmodules` asking `ignore = none` still makes stash push and
 * commit look inside a populated submodule, so each is admitted like its superproject.
 * git's own complaints are never returned: they can quote files the caller may not read.
 */
async function admit(
  roots: Root[],
  dir: string,
  where: string,
  limits: GitLimits,
  superproject?: Superproject,
) {
  const located = await locate(roots, dir, where, superproject?.gitDir);
  const listing = await git(
    dir,
    ['config', '--list', '--show-scope', '--show-origin', '--no-includes', '-z'],
    limits,
  ).catch(() => {
    throw new AccessDenied(`${where}: git cannot read its config`);
  });
  checkConfig(where, parseConfigListing(listing.stdout));
  const dirs = await layout(dir, limits).catch(() => {
    throw new AccessDenied(`${where} is not a git repository git will open`);
  });
  if (path.resolve(dirs.top) !== dir) throw new AccessDenied(`${where} is not the top of a git repository`);
  await checkStorage(roots, where, dirs, located, limits);
  const submodules = await populatedSubmodules(dir, dirs.gitDir, limits);
  const depth = (superproject?.depth ?? 0) + 1;
  if (submodules.length > 0 && depth > MAX_SUBMODULE_DEPTH)
    throw new AccessDenied(
      `${where}: submodules nested more than ${MAX_SUBMODULE_DEPTH} deep are not supported`,
    );
  for (const submodule of submodules) {
    const label = `${where}, submodule ${path.relative(dir, submodule)}`;
    const resolved = await resolvePath({ roots }, submodule, 'read').catch(() => {
      throw new AccessDenied(`${label} is outside the allowed roots`);
    });
    if (resolved.real !== submodule) throw new AccessDenied(`${label} is reached through a link`);
    await admit(roots, resolved.real, label, limits, { gitDir: located.gitDir, depth });
  }
}

/** Resolves `input` to a repository inside the roots that passes every check of `admit`. */
export async function openRepo(roots: Root[], input: string, limits: GitLimits): Promise<Repo> {
  const resolved = await resolvePath({ roots }, plain(input, 'repo'), 'read');
  if (!resolved.exists) throw new AccessDenied(`${input} does not exist`);
  await admit(roots, resolved.real, input, limits);
  return { path: resolved.real };
}

/** A revision that exists, resolved without letting it be read as an option. */
export async function verifyRevision(repo: Repo, revision: string, limits: GitLimits): Promise<string> {
  plain(revision, 'revision');
  const { stdout } = await git(
    repo.path,
    ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`],
    limits,
  ).catch(() => {
    throw new GitError(`unknown revision ${JSON.stringify(revision)}`);
  });
  return stdout.trim();
}

/** A new branch or tag name that git accepts. */
export async function checkRefName(repo: Repo, name: string, limits: GitLimits): Promise<string> {
  plain(name, 'name');
  await git(repo.path, ['check-ref-format', '--branch', name], limits).catch(() => {
    throw new GitError(`invalid ref name ${JSON.stringify(name)}`);
  });
  return name;
}
