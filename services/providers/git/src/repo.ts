import path from 'node:path';
import { AccessDenied, type Root, resolvePath } from '@mcp-fleet/provider-filesystem';
import { checkConfig, parseConfigListing } from './config-policy.js';
import { GitError, type GitLimits, git, plain } from './run.js';
import { checkDotGit, checkStorage, layout } from './storage.js';
import { populatedSubmodules } from './submodules.js';

/** A repository the caller may use: its top level, a real path inside the roots. */
export interface Repo {
  path: string;
}

/** Submodules inside submodules are followed this deep, and refused deeper. */
const MAX_SUBMODULE_DEPTH = 4;

/**
 * The checks every repository passes before git runs in it for a caller, and every submodule git
 * could enter from it: its `.git` leads inside the roots, git's top level is that very directory,
 * everything git stores for it is inside the roots, and its configuration, read by git across
 * every scope git honours there (local, worktree, included files), holds only allowed keys.
 */
async function admit(roots: Root[], dir: string, where: string, limits: GitLimits, depth: number) {
  await checkDotGit(roots, dir, where);
  const dirs = await layout(dir, limits).catch((err: Error) => {
    throw new AccessDenied(`${where} is not a git repository git will open (${err.message})`);
  });
  if (path.resolve(dirs.top) !== dir) throw new AccessDenied(`${where} is not the top of a git repository`);
  await checkStorage(roots, where, dirs, limits);
  const listing = await git(
    dir,
    ['config', '--list', '--show-scope', '--show-origin', '--includes', '-z'],
    limits,
  );
  checkConfig(where, parseConfigListing(listing.stdout));
  const submodules = await populatedSubmodules(dir, dirs.gitDir, limits);
  if (submodules.length > 0 && depth >= MAX_SUBMODULE_DEPTH)
    throw new AccessDenied(
      `${where}: submodules nested more than ${MAX_SUBMODULE_DEPTH} deep are not supported`,
    );
  for (const submodule of submodules) {
    const label = `${where}, submodule ${path.relative(dir, submodule)}`;
    const resolved = await resolvePath({ roots }, submodule, 'read').catch(() => {
      throw new AccessDenied(`${label} is outside the allowed roots`);
    });
    await admit(roots, resolved.real, label, limits, depth + 1);
  }
}

/** Resolves `input` to a repository inside the roots that passes every check of `admit`. */
export async function openRepo(roots: Root[], input: string, limits: GitLimits): Promise<Repo> {
  const resolved = await resolvePath({ roots }, plain(input, 'repo'), 'read');
  if (!resolved.exists) throw new AccessDenied(`${input} does not exist`);
  await admit(roots, resolved.real, input, limits, 0);
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
