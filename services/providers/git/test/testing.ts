/**
 * Real git servers and fixtures for tests of the git provider, here and behind the gateway
 * (`@mcp-fleet/provider-git/testing`). Loopback only.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sh } from './harness.js';

export { sh } from './harness.js';
export {
  gitDirInWorkTree,
  INCLUDE_LEAK,
  includingRepos,
  submoduleGitDirInWorkTree,
  trailingSpaceGitfile,
} from './hostile-repos.js';
export { type GitHttpsServer, startGitHttpsServer } from './https-git-server.js';
export {
  dotGitLinkIntoTrackedDir,
  gitDirInAnotherRepo,
  linksInsideGitDir,
  untrackedRepoBecomesSubmodule,
} from './nested-repos.js';
export { type GitSshServer, startGitSshServer } from './ssh-git-server.js';

/** A bare upstream `<served>/team/app.git` with one commit on main. */
export async function seededUpstream(base: string) {
  const served = join(base, 'served');
  const upstream = join(served, 'team/app.git');
  await mkdir(join(served, 'team'), { recursive: true });
  sh(served, 'init', '-q', '--bare', '-b', 'main', upstream);
  const seed = join(base, 'seed');
  sh(base, 'init', '-q', '-b', 'main', seed);
  await writeFile(join(seed, 'README.md'), 'v1\n');
  sh(seed, 'add', '.');
  sh(seed, 'commit', '-q', '-m', 'v1');
  sh(seed, 'push', '-q', upstream, 'main');
  return { served, upstream, seed };
}
