/**
 * Repositories of the second outside review (issue 15, round 3), shared by the provider's tests and
 * the gateway's: git entering a nested repository, a git directory another repository's checkout can
 * rewrite or remove, and links inside a git directory that lead out of the roots. Built with filters
 * neutralised, so building one runs nothing of its own.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sh } from './harness.js';

const neutral = ['-c', 'filter.x.clean=cat'];

/** A repository `dir` with one commit: `.gitattributes` names filter `x` for every file. */
async function filtered(dir: string, files: Record<string, string> = {}) {
  await mkdir(dir, { recursive: true });
  sh(dir, 'init', '-q', '-b', 'main');
  await writeFile(join(dir, '.gitattributes'), '* filter=x\n');
  await writeFile(join(dir, 'f.txt'), 'one\n');
  for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  sh(dir, ...neutral, 'add', '.');
  sh(dir, ...neutral, 'commit', '-q', '-m', 'base');
}

/** Gives the repository at `dir` the filter `touch <marker>; cat` and a stat-dirty file git must hash. */
async function arm(dir: string, marker: string) {
  sh(dir, 'config', 'filter.x.clean', `touch ${marker}; cat`);
  await writeFile(join(dir, 'f.txt'), 'two\n');
}

/**
 * `<root>/<name>` with an untracked nested repository `p` whose own config defines the filter.
 * Branch `evil` and the stored stash add `p` as a gitlink (with a `.gitmodules` asking git not to
 * ignore it), so git would treat `p` as a submodule after checkout, merge, reset or stash apply
 * and run `git status` inside it.
 */
export async function untrackedRepoBecomesSubmodule(root: string, name: string, marker: string) {
  const repo = join(root, name);
  await mkdir(repo, { recursive: true });
  sh(repo, 'init', '-q', '-b', 'main');
  await writeFile(join(repo, 'a.txt'), 'a\n');
  sh(repo, 'add', '.');
  sh(repo, 'commit', '-q', '-m', 'base');
  await filtered(join(repo, 'p'));
  const gitmodules = '[submodule "p"]\n\tpath = p\n\turl = ./p\n\tignore = none\n';
  await writeFile(join(repo, '.gitmodules'), gitmodules);
  await writeFile(join(repo, 'a.txt'), 'a2\n');
  sh(repo, 'add', 'p', '.gitmodules', 'a.txt');
  sh(repo, 'stash', 'store', '-m', 'wip', sh(repo, 'stash', 'create').trim());
  sh(repo, 'reset', '-q', '--hard');
  sh(repo, 'switch', '-q', '-c', 'evil');
  await writeFile(join(repo, '.gitmodules'), gitmodules);
  sh(repo, 'add', 'p', '.gitmodules');
  sh(repo, 'commit', '-q', '-m', 'gitlink');
  sh(repo, 'switch', '-q', 'main');
  await arm(join(repo, 'p'), marker);
  return repo;
}

/**
 * `<root>/<name>/A` whose `.git` file says `gitdir: ../B/gd`, and `<root>/<name>/B`, a repository
 * tracking `gd/config` (A's config) whose branch `evil` adds the filter to it: B's checkout
 * rewrites A's config.
 */
export async function gitDirInAnotherRepo(root: string, name: string, marker: string) {
  const [a, b] = [join(root, name, 'A'), join(root, name, 'B')];
  await mkdir(b, { recursive: true });
  sh(b, 'init', '-q', '-b', 'main');
  await mkdir(a, { recursive: true });
  sh(a, 'init', '-q', '-b', 'main', `--separate-git-dir=${join(b, 'gd')}`, '.');
  await writeFile(join(a, '.git'), 'gitdir: ../B/gd\n');
  const clean = await readFile(join(b, 'gd/config'), 'utf8');
  await writeFile(join(a, '.gitattributes'), '* filter=x\n');
  await writeFile(join(a, 'f.txt'), 'one\n');
  sh(a, ...neutral, 'add', '.');
  sh(a, ...neutral, 'commit', '-q', '-m', 'a');
  await writeFile(join(a, 'f.txt'), 'two\n');
  await writeFile(join(b, '.gitignore'), 'gd/*\n!gd/config\n');
  sh(b, 'add', '.gitignore', 'gd/config');
  sh(b, 'commit', '-q', '-m', 'b');
  sh(b, 'switch', '-q', '-c', 'evil');
  await writeFile(join(b, 'gd/config'), `${clean}[filter "x"]\n\tclean = touch ${marker}; cat\n`);
  sh(b, 'commit', '-q', '-a', '-m', 'evil');
  sh(b, 'switch', '-q', 'main');
  return { a, b, clean };
}

/** A commit of `repo` on top of HEAD whose tree has `path` as a symbolic link to `target` instead. */
function commitWithLink(
  repo: string,
  index: string,
  path: string,
  target: string,
  extra: Record<string, string>,
) {
  const g = (input: string | undefined, ...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=a', '-c', 'user.email=a@a', ...args], {
      env: { ...process.env, GIT_INDEX_FILE: index },
      input,
      encoding: 'utf8',
    }).trim();
  g(undefined, 'read-tree', 'HEAD');
  g(undefined, 'rm', '-q', '-r', '--cached', '--ignore-unmatch', path);
  g(
    undefined,
    'update-index',
    '--add',
    '--cacheinfo',
    `120000,${g(target, 'hash-object', '-w', '--stdin')},${path}`,
  );
  for (const [file, content] of Object.entries(extra))
    g(
      undefined,
      'update-index',
      '--add',
      '--cacheinfo',
      `100644,${g(content, 'hash-object', '-w', '--stdin')},${file}`,
    );
  return g(undefined, 'write-tree');
}

/**
 * `<root>/<name>/A` whose `.git` is a link to `x/.git`, `x` a tracked directory, and `<name>/B` an
 * unadmitted repository with the filter in its config. Branch `evil` and the stored stash turn `x`
 * into a link to `../B`: applying either deletes `x` with A's git directory in it, and the next
 * git process reads B's config through `.git`. Objects are packed, so nothing loose is left.
 */
export async function dotGitLinkIntoTrackedDir(root: string, name: string, scratch: string, marker: string) {
  const [a, b] = [join(root, name, 'A'), join(root, name, 'B')];
  await mkdir(join(a, 'x'), { recursive: true });
  sh(a, 'init', '-q', '-b', 'main', `--separate-git-dir=${join(a, 'x/.git')}`, '.');
  await rm(join(a, '.git'));
  await symlink('x/.git', join(a, '.git'));
  await filtered(a, { 'x/keep': 'k\n' });
  await mkdir(b, { recursive: true });
  sh(b, 'init', '-q', '-b', 'main');
  sh(b, 'config', 'filter.x.clean', `touch ${marker}; cat`);
  const index = join(scratch, `${name}-index`);
  const tree = commitWithLink(a, index, 'x', '../B', { 'f.txt': 'two\n' });
  const head = sh(a, 'rev-parse', 'HEAD').trim();
  const commit = (message: string, ...parents: string[]) =>
    sh(a, 'commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message).trim();
  sh(a, 'update-ref', 'refs/heads/evil', commit('evil', head));
  const staged = sh(
    a,
    'commit-tree',
    sh(a, 'rev-parse', 'HEAD^{tree}').trim(),
    '-p',
    head,
    '-m',
    'index',
  ).trim();
  sh(a, 'stash', 'store', '-m', 'wip', commit('WIP on main', head, staged));
  sh(a, 'repack', '-a', '-d', '-q');
  sh(a, 'prune-packed');
  await writeFile(join(a, 'f.txt'), 'two\n');
  return { a, b };
}

/**
 * `<root>/<name>/B`, a repository, with an untracked repository `A` inside its working tree and an
 * unadmitted repository `<name>/C` with the filter in its config. B's branch `evil` and its stored
 * stash replace the directory `A` by a link to `../C`.
 */
export async function repoInsideAnotherWorkTree(root: string, name: string, scratch: string, marker: string) {
  const [b, c] = [join(root, name, 'B'), join(root, name, 'C')];
  await filtered(b);
  await filtered(c);
  sh(c, 'config', 'filter.x.clean', `touch ${marker}; cat`);
  const tree = commitWithLink(b, join(scratch, `${name}-index`), 'A', '../C', { 'a.txt': 'a\n' });
  const head = sh(b, 'rev-parse', 'HEAD').trim();
  sh(b, 'update-ref', 'refs/heads/evil', sh(b, 'commit-tree', tree, '-p', head, '-m', 'evil').trim());
  const staged = sh(b, 'commit-tree', sh(b, 'rev-parse', 'HEAD^{tree}').trim(), '-p', head, '-m', 'i').trim();
  sh(
    b,
    'stash',
    'store',
    '-m',
    'wip',
    sh(b, 'commit-tree', tree, '-p', head, '-p', staged, '-m', 'WIP').trim(),
  );
  const a = join(b, 'A');
  await filtered(a);
  await writeFile(join(a, 'f.txt'), 'two\n');
  return { a, b };
}

/**
 * Repositories in `root` whose git directory holds a link out of the roots where git writes:
 * `logs/HEAD` and `logs/refs/heads/main` to `<outside>/victim` (a commit appends its message
 * there), and `refs/tags` to the directory `outside` (a new tag is a file there).
 */
export async function linksInsideGitDir(root: string, outside: string) {
  const victim = join(outside, 'victim');
  await writeFile(victim, 'outside\n');
  const logs = join(root, 'logs-link');
  const tags = join(root, 'tags-link');
  for (const repo of [logs, tags]) {
    sh(root, 'init', '-q', '-b', 'main', repo);
    await writeFile(join(repo, 'a.txt'), 'a\n');
    sh(repo, 'add', '.');
    sh(repo, 'commit', '-q', '-m', 'base');
  }
  for (const log of ['logs/HEAD', 'logs/refs/heads/main']) {
    await unlink(join(logs, '.git', log));
    await symlink(victim, join(logs, '.git', log));
  }
  sh(tags, 'pack-refs', '--all');
  await rm(join(tags, '.git/refs/tags'), { recursive: true });
  await symlink(outside, join(tags, '.git/refs/tags'));
  await writeFile(join(logs, 'a.txt'), 'b\n');
  return { logs, tags, victim };
}
