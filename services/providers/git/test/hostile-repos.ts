/**
 * Repositories laid out to attack admission itself, shared by the provider's tests and the
 * gateway's (`@mcp-fleet/provider-git/testing`). Each is built with filters neutralised, so
 * building one runs nothing of its own.
 */
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sh } from './harness.js';

const shFile = (cwd: string, ...args: string[]) => sh(cwd, '-c', 'protocol.file.allow=always', ...args);

/**
 * `<root>/<name>`: its `.git` file says `gitdir: gd`, so the git directory sits inside its own
 * working tree, and `gd/config` is a tracked file (config on disk is clean). `.gitattributes`
 * names the filter `x` for every .txt. Branch `evil` and the stored stash both change `gd/config`
 * to define that filter as `touch <marker>; cat`, and change file.txt, so any command that writes
 * the working tree and then looks at file.txt (stash apply runs `git status`) would run it.
 */
export async function gitDirInWorkTree(root: string, scratch: string, name: string, marker: string) {
  const repo = join(root, name);
  const build = join(scratch, `${name}-build`);
  await mkdir(repo, { recursive: true });
  sh(repo, 'init', '-q', '-b', 'main', '--separate-git-dir=gd', '.');
  await writeFile(join(repo, '.git'), 'gitdir: gd\n');
  const clean = await readFile(join(repo, 'gd/config'), 'utf8');
  const evil = `${clean}[filter "x"]\n\tclean = touch ${marker}; cat\n`;

  sh(scratch, 'init', '-q', '-b', 'main', build);
  await mkdir(join(build, 'gd'));
  await writeFile(join(build, 'gd/config'), clean);
  await writeFile(join(build, 'file.txt'), 'hello\n');
  await writeFile(join(build, '.gitattributes'), '*.txt filter=x\n');
  await writeFile(join(build, '.gitignore'), 'gd/*\n!gd/config\n');
  sh(build, 'add', '-A');
  sh(build, 'commit', '-q', '-m', 'base');
  sh(build, 'switch', '-q', '-c', 'evil');
  await writeFile(join(build, 'gd/config'), evil);
  await writeFile(join(build, 'file.txt'), 'hello\nevil\n');
  sh(build, '-c', 'filter.x.clean=cat', 'commit', '-q', '-am', 'evil');

  shFile(repo, 'fetch', '-q', build, 'refs/heads/*:refs/remotes/b/*');
  for (const branch of ['main', 'evil']) {
    sh(repo, 'update-ref', `refs/heads/${branch}`, `refs/remotes/b/${branch}`);
    sh(repo, 'update-ref', '-d', `refs/remotes/b/${branch}`);
  }
  sh(repo, 'reset', '-q', '--hard', 'main');
  await writeFile(join(repo, 'file.txt'), 'hello\nchange\n');
  await writeFile(join(repo, 'gd/config'), evil);
  const stash = sh(repo, '-c', 'filter.x.clean=cat', 'stash', 'create', 'wip').trim();
  sh(repo, 'stash', 'store', '-m', 'wip', stash);
  await writeFile(join(repo, 'gd/config'), clean);
  sh(repo, 'reset', '-q', '--hard', 'main');
  return { repo, clean };
}

/** What a refusal of an including repository must never say: anything of the included file. */
export const INCLUDE_LEAK = /SECRET|insteadof|passwd|no-such|bad config/i;

/**
 * Three repositories in `root` whose local config includes a file: one outside the roots holding a
 * credential in `url.*.insteadOf`, `/etc/passwd` (not a config file) and a file that does not exist.
 * Refusals of the three must be the same: anything else tells the caller about the included file.
 */
export async function includingRepos(root: string, outside: string): Promise<string[]> {
  const included = join(outside, 'gitconfig');
  await writeFile(included, '[url "https://u:SECRET-TOKEN@h/"]\n\tinsteadOf = https://h/\n');
  return [included, '/etc/passwd', '/etc/no-such-file'].map((target, i) => {
    const repo = join(root, `include-${i}`);
    sh(root, 'init', '-q', '-b', 'main', repo);
    sh(repo, 'config', 'include.path', target);
    return repo;
  });
}

/**
 * `<root>/<name>` whose `.git` file says `gitdir: inner ` (trailing space): `inner` is a real git
 * directory inside the roots, `inner ` a link to `outsideGitDir`. Git takes the value verbatim.
 */
export async function trailingSpaceGitfile(root: string, name: string, outsideGitDir: string) {
  const repo = join(root, name);
  await mkdir(repo, { recursive: true });
  sh(repo, 'init', '-q', '-b', 'main', '--separate-git-dir=inner', '.');
  await writeFile(join(repo, '.git'), 'gitdir: inner \n');
  await symlink(outsideGitDir, join(repo, 'inner '));
  return repo;
}

/**
 * A superproject `<root>/<name>` with submodule `sub` whose git directory was moved into the
 * superproject's working tree (`subgit/`, `sub/.git` says `gitdir: ../subgit`), where a checkout
 * of the superproject could write its config.
 */
export async function submoduleGitDirInWorkTree(root: string, scratch: string, name: string) {
  const module = join(scratch, `${name}-module`);
  sh(scratch, 'init', '-q', '-b', 'main', module);
  await writeFile(join(module, 'm.txt'), 'module\n');
  sh(module, 'add', '.');
  sh(module, 'commit', '-q', '-m', 'module');
  const repo = join(root, name);
  sh(root, 'init', '-q', '-b', 'main', repo);
  shFile(repo, 'submodule', 'add', '-q', module, 'sub');
  sh(repo, 'commit', '-q', '-m', 'submodule');
  await cp(join(repo, '.git/modules/sub'), join(repo, 'subgit'), { recursive: true });
  sh(repo, 'config', '--file', join(repo, 'subgit/config'), '--unset', 'core.worktree');
  await writeFile(join(repo, 'sub/.git'), 'gitdir: ../subgit\n');
  return repo;
}
