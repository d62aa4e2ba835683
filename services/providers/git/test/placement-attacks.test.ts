/**
 * Attacks of the second outside review: git entering a nested repository it never admitted, a git
 * directory another repository's checkout can rewrite or delete, links inside a git directory that
 * lead out of the roots, and a cancelled call whose git keeps running.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRoots } from '@mcp-fleet/path-guard';
import { openCall, startProvider, type TestProvider, toolCall } from '@mcp-fleet/sdk/testing';
import { gitTools } from '../src/provider.js';
import { git } from '../src/run.js';
import { caller, sh } from './harness.js';
import {
  dotGitLinkIntoTrackedDir,
  gitDirInAnotherRepo,
  linksInsideGitDir,
  repoInsideAnotherWorkTree,
  untrackedRepoBecomesSubmodule,
} from './nested-repos.js';

const base = mkdtempSync(join(tmpdir(), 'mcpfleet-git-placement-'));
const root = join(base, 'repos');
const outside = join(base, 'outside');
const marker = (what: string) => join(base, `pwned-${what}`);
const limits = { timeoutMs: 60_000, maxOutput: 65_536 };

describe('git provider placement and storage', () => {
  let server: TestProvider;
  before(async () => {
    await mkdir(root, { recursive: true });
    await mkdir(outside, { recursive: true });
    server = await startProvider(
      gitTools({
        roots: await loadRoots(`${root}:rw`),
        write: true,
        limits,
      }),
    );
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true, force: true });
  });
  const { call, refused, ok } = caller(() => server);

  for (const [tool, args] of [
    ['checkout', { branch: 'evil' }],
    ['merge', { revision: 'evil' }],
    ['reset', { mode: 'mixed', revision: 'evil' }],
    ['reset', { mode: 'hard', revision: 'evil', confirmHard: true }],
    ['stash', { action: 'apply' }],
    ['stash', { action: 'pop' }],
  ] as const)
    it(`${tool} ${JSON.stringify(args)}: an untracked repository that becomes a submodule is never entered`, async () => {
      const name = `sub-${tool}-${Object.values(args).join('-')}`;
      const repo = await untrackedRepoBecomesSubmodule(root, name, marker(name));
      await ok(tool, { repo, ...args });
      assert.equal(existsSync(marker(name)), false, "git ran the nested repository's filter");
      // Now a populated submodule with a filter: admission refuses the superproject (stash push and
      // commit would enter it: its .gitmodules says `ignore = none`); status, diff and the
      // working-tree commands, run without admission, still never do.
      await refused('status', { repo }, /submodule p: its \.git file must be a gitdir: file/);
      for (const run of [
        ['status', '--porcelain=v2', '--ignore-submodules=all'],
        ['diff', '--ignore-submodules=all'],
        ['diff', '--ignore-submodules=all', 'main'],
        ['stash', 'apply', '--quiet'],
        ['switch', '--quiet', 'main'],
      ])
        await git(repo, run, limits, ['user.name=t', 'user.email=t@t']).catch(() => undefined);
      assert.equal(existsSync(marker(name)), false, "git ran the nested repository's filter");
    });

  it("another repository's checkout rewriting this one's config (gitdir: ../B/gd): refused, the filter never runs", async () => {
    const { a, b, clean } = await gitDirInAnotherRepo(root, 'other-gitdir', marker('other'));
    for (let i = 0; i < 3; i++) {
      await refused('diff', { repo: a, from: 'HEAD' }, /its \.git is not a directory/);
      await ok('checkout', { repo: b, branch: i % 2 ? 'main' : 'evil' });
    }
    await refused('status', { repo: a }, /its \.git is not a directory/);
    assert.equal(existsSync(marker('other')), false, 'the filter ran');
    assert.notEqual(await readFile(join(b, 'gd/config'), 'utf8'), clean, 'B checked out its evil config');
  });

  it('.git a link into a tracked directory: stash apply / reset --hard / checkout refused, the git directory survives', async () => {
    const { a } = await dotGitLinkIntoTrackedDir(root, 'dotgit-link', base, marker('link'));
    for (const [tool, args] of [
      ['status', {}],
      ['stash', { action: 'apply' }],
      ['reset', { mode: 'hard', revision: 'evil', confirmHard: true }],
      ['checkout', { branch: 'evil' }],
    ] as const)
      await refused(tool, { repo: a, ...args }, /its \.git is not a directory/);
    assert.ok(lstatSync(join(a, 'x/.git')).isDirectory(), 'the git directory was deleted');
    assert.equal(existsSync(marker('link')), false, "B's filter ran");
  });

  it("a repository inside another's working tree is refused; that one's checkout replacing it by a link runs nothing", async () => {
    const { a, b } = await repoInsideAnotherWorkTree(root, 'nested', base, marker('nested'));
    await refused('status', { repo: a }, /inside the working tree of another repository/);
    await call('checkout', { repo: b, branch: 'evil' });
    await call('stash', { repo: b, action: 'apply' });
    await ok('reset', { repo: b, mode: 'hard', revision: 'evil', confirmHard: true });
    assert.ok(lstatSync(a).isSymbolicLink(), 'reset --hard replaces the untracked directory (git does)');
    // `A` now leads to C, a repository of its own, admitted or refused as such.
    await refused('status', { repo: a }, /its git config sets filter\.x\.clean/);
    assert.equal(existsSync(marker('nested')), false, "C's filter ran");
  });

  it('links inside the git directory (logs/HEAD, logs/refs/heads/main, refs/tags) out of the roots: refused, nothing written', async () => {
    const { logs, tags, victim } = await linksInsideGitDir(root, outside);
    await refused('add', { repo: logs, paths: ['a.txt'] }, /its git directory holds a link \(logs\/HEAD\)/);
    await refused('commit', { repo: logs, message: 'planted' }, /holds a link/);
    await refused(
      'tag_create',
      { repo: tags, name: 'planted' },
      /its git directory holds a link \(refs\/tags\)/,
    );
    assert.equal(await readFile(victim, 'utf8'), 'outside\n');
    assert.equal(existsSync(join(outside, 'planted')), false);
  });

  it('a FIFO inside the git directory is refused (only files and directories are admitted)', async () => {
    const repo = join(root, 'fifo');
    sh(root, 'init', '-q', '-b', 'main', repo);
    execFileSync('mkfifo', [join(repo, '.git/info/hang')]);
    await refused('status', { repo }, /its git directory holds something other than files and directories/);
  });

  it('a cancelled call stops its git process', async () => {
    const repo = join(root, 'slow');
    sh(root, 'init', '-q', '-b', 'main', repo);
    await writeFile(join(repo, 'big.txt'), `${'a'.repeat(3000)}\n`);
    sh(repo, 'add', '.');
    // A back-reference makes git's regex engine backtrack for far longer than the test runs.
    const { stream, done } = openCall(server.client, toolCall('grep', { repo, pattern: '(a*)*\\1c' }));
    const running = () => spawnSync('pgrep', ['-f', `${repo} grep`], { encoding: 'utf8' }).stdout.trim();
    const settle = async (want: boolean) => {
      for (let i = 0; i < 500 && (running() !== '') !== want; i++)
        await new Promise((r) => setTimeout(r, 20));
    };
    await settle(true);
    assert.notEqual(running(), '', 'git grep never started');
    stream.write({ cancel: { reason: 'test' } });
    stream.end();
    await done;
    await settle(false);
    assert.equal(running(), '', 'git grep kept running after the call was cancelled');
  });
});
