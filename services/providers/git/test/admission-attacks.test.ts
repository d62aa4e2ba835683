/**
 * Attacks on admission itself: a git directory git could rewrite during a run, includes that lead
 * out of the roots, and a `.git` file the provider reads differently from git.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRoots } from '@mcp-fleet/path-guard';
import { startProvider, type TestProvider } from '@mcp-fleet/sdk/testing';
import { gitTools } from '../src/provider.js';
import { caller, sh } from './harness.js';
import {
  gitDirInWorkTree,
  INCLUDE_LEAK,
  includingRepos,
  submoduleGitDirInWorkTree,
  trailingSpaceGitfile,
} from './hostile-repos.js';

const base = mkdtempSync(join(tmpdir(), 'mcpfleet-git-admission-'));
const root = join(base, 'repos');
const outside = join(base, 'outside');
const marker = join(base, 'pwned');

describe('git provider admission', () => {
  let server: TestProvider;
  before(async () => {
    await mkdir(root, { recursive: true });
    await mkdir(outside, { recursive: true });
    server = await startProvider(
      gitTools({
        roots: await loadRoots(`${root}:rw`),
        write: true,
        limits: { timeoutMs: 10_000, maxOutput: 65_536 },
      }),
    );
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true, force: true });
  });
  const { call, out, refused, ok } = caller(() => server);

  it('stash apply/checkout/reset/merge/restore: a git directory inside its own working tree is refused, nothing runs', async () => {
    const { repo, clean } = await gitDirInWorkTree(root, base, 'gd-in-tree', marker);
    for (const [tool, args] of [
      ['status', {}],
      ['stash', { action: 'apply' }],
      ['stash', { action: 'pop' }],
      ['checkout', { branch: 'evil' }],
      ['merge', { revision: 'evil' }],
      ['reset', { mode: 'hard', revision: 'evil', confirmHard: true }],
      ['restore', { paths: ['gd/config'] }],
    ] as const) {
      await refused(tool, { repo, ...args }, /its \.git is not a directory/);
    }
    assert.equal(existsSync(marker), false, 'the filter written by the run ran');
    assert.equal(await readFile(join(repo, 'gd/config'), 'utf8'), clean);
  });

  it("status: a submodule whose git directory lies in the superproject's working tree is refused", async () => {
    const repo = await submoduleGitDirInWorkTree(root, base, 'sub-gd-in-tree');
    await refused(
      'status',
      { repo },
      /submodule sub: its \.git file does not lead into the superproject's \.git\/modules/,
    );
  });

  it('a separate git directory is refused; a submodule under the superproject .git/modules is admitted', async () => {
    const repo = join(root, 'separate');
    await mkdir(repo);
    sh(repo, 'init', '-q', '-b', 'main', `--separate-git-dir=${join(root, 'separate.git')}`, '.');
    await refused('status', { repo }, /its \.git is not a directory/);
    const module = join(base, 'module');
    sh(base, 'init', '-q', '-b', 'main', module);
    await writeFile(join(module, 'm.txt'), 'm\n');
    sh(module, 'add', '.');
    sh(module, 'commit', '-q', '-m', 'm');
    const superproject = join(root, 'super');
    sh(root, 'init', '-q', '-b', 'main', superproject);
    sh(superproject, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', module, 'sub');
    await ok('status', { repo: superproject });
  });

  it('include.path out of the roots: refused naming only the key, no included key, value or git message', async () => {
    const answers = new Set<string>();
    for (const repo of await includingRepos(root, outside)) {
      const result = await call('status', { repo });
      assert.equal(result.isError, true, out(result));
      assert.match(out(result), /include\.path \(local scope\)/);
      assert.doesNotMatch(out(result), INCLUDE_LEAK);
      answers.add(out(result).replace(repo, '<repo>'));
    }
    assert.equal(answers.size, 1, [...answers].join(' | '));
  });

  it('.git file "gitdir: inner " (trailing space) where "inner " links out of the roots: refused before git reads it', async () => {
    // Git reading this config would fail and name the file it read.
    const secret = join(outside, 'secret');
    sh(outside, 'init', '-q', '-b', 'main', secret);
    await writeFile(join(secret, '.git/config'), '[core]\n\trepositoryformatversion = 0\n[SECRET-TOKEN\n', {
      flag: 'a',
    });
    const repo = await trailingSpaceGitfile(root, 'trailing-space', join(secret, '.git'));
    for (const tool of ['status', 'log']) {
      const result = await call(tool, { repo });
      assert.equal(result.isError, true, out(result));
      assert.match(out(result), /its \.git is not a directory/);
      assert.doesNotMatch(out(result), /SECRET|outside\/|bad config/);
    }
  });
});
