import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRoots } from '@mcp-fleet/path-guard';
import { startProvider, type TestProvider } from '@mcp-fleet/sdk/testing';
import { gitTools } from '../src/provider.js';
import { git } from '../src/run.js';
import { caller, sh } from './harness.js';

const base = mkdtempSync(join(tmpdir(), 'mcpfleet-git-'));
const root = join(base, 'repos');
const repo = join(root, 'app');
const hostile = join(root, 'hostile');
const outside = join(base, 'outside');
const pwned = join(base, 'pwned');
/** What an option smuggled into an argument would write. */
const written = join(base, 'x');

describe('git provider', () => {
  let server: TestProvider;

  before(async () => {
    for (const dir of [repo, hostile, outside, join(base, 'outside-repo')])
      await mkdir(dir, { recursive: true });
    sh(repo, 'init', '-q', '-b', 'main');
    await writeFile(join(repo, 'README.md'), 'hello\n');
    await writeFile(join(repo, 'big.txt'), 'a\n');
    sh(repo, 'add', '.');
    sh(repo, 'commit', '-q', '-m', 'first');
    // A branch whose name looks like an option, planted directly in refs/heads.
    const head = sh(repo, 'rev-parse', 'HEAD').trim();
    await writeFile(join(repo, '.git/refs/heads/--output=x'), `${head}\n`);
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(outside, join(root, 'escape'));
    sh(join(base, 'outside-repo'), 'init', '-q');
    await mkdir(join(root, 'linked'), { recursive: true });
    await writeFile(join(root, 'linked/.git'), `gitdir: ${join(base, 'outside-repo/.git')}\n`);

    // A repository whose configuration tries to run programs at every turn.
    sh(hostile, 'init', '-q', '-b', 'main');
    await writeFile(join(hostile, '.gitattributes'), '* filter=evil diff=evil\n');
    await writeFile(join(hostile, 'f.txt'), 'one\n');
    sh(hostile, 'add', '.');
    sh(hostile, 'commit', '-q', '-m', 'init');
    const run = (what: string) => `touch ${pwned}-${what}`;
    for (const [key, value] of [
      ['core.fsmonitor', run('fsmonitor')],
      ['core.pager', run('pager')],
      ['diff.external', run('external')],
      ['diff.evil.command', run('diffdriver')],
      ['diff.evil.textconv', run('textconv')],
      ['filter.evil.clean', run('clean')],
      ['filter.evil.smudge', run('smudge')],
      ['filter.evil.required', 'true'],
      ['core.sshCommand', run('ssh')],
      ['commit.gpgSign', 'true'],
      ['gpg.program', run('gpg')],
      ['core.editor', run('editor')],
      ['tag.forceSignAnnotated', 'true'],
      ['gpg.format', 'ssh'],
      ['gpg.ssh.defaultKeyCommand', run('keycommand')],
      ['core.alternateRefsCommand', run('alternates')],
    ])
      sh(hostile, 'config', key as string, value as string);
    await writeFile(join(hostile, '.git/hooks/pre-commit'), `#!/bin/sh\n${run('hook')}\n`);
    await chmod(join(hostile, '.git/hooks/pre-commit'), 0o755);
    await writeFile(join(hostile, 'f.txt'), 'two\n');

    const roots = await loadRoots(root);
    server = await startProvider(
      gitTools({ roots, write: true, limits: { timeoutMs: 10_000, maxOutput: 4096 } }),
    );
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true, force: true });
  });

  const { call, out, refused } = caller(() => server);
  const marks = () =>
    [
      'fsmonitor',
      'pager',
      'external',
      'diffdriver',
      'textconv',
      'clean',
      'smudge',
      'ssh',
      'gpg',
      'editor',
      'hook',
      'keycommand',
      'alternates',
    ].filter((w) => existsSync(`${pwned}-${w}`));

  it('reads: repos, status, log, show, branches, blame, grep', async () => {
    // The hostile repository is not listed: no tool would open it.
    assert.deepEqual((await call('repos', {})).structuredContent?.repos, [join(root, 'app')]);
    assert.match(out(await call('status', { repo })), /# branch.head main/);
    assert.match(out(await call('log', { repo })), /\tT\t.*\tfirst/);
    assert.equal(out(await call('show', { repo, revision: 'HEAD', path: 'README.md' })), 'hello\n');
    assert.match(out(await call('branch_list', { repo })), /^main\t/m);
    assert.match(out(await call('blame', { repo, path: 'README.md' })), /author T/);
    assert.match(out(await call('grep', { repo, pattern: 'hel+o' })), /README.md:1:hello/);
  });

  const injections: [string, Record<string, unknown>][] = [
    ['log', { repo, ref: `--output=${written}` }],
    ['log', { repo, since: `--output=${written}` }],
    ['diff', { repo, from: `-c core.sshCommand=touch ${written}` }],
    ['diff', { repo, paths: [`--output=${written}`] }],
    ['show', { repo, revision: `--upload-pack=touch ${written}` }],
    ['branch_create', { repo, name: '--force' }],
    ['checkout', { repo, branch: '--output=x' }],
    ['tag_create', { repo, name: '-d' }],
    ['add', { repo, paths: ['-A'] }],
    ['log', { repo: '--git-dir=/etc' }],
  ];
  for (const [tool, args] of injections) {
    it(`refuses a leading-dash value: ${tool} ${JSON.stringify(args)}`, async () => {
      await refused(tool, args, /may not begin with "-"/);
      assert.equal(existsSync(written), false);
    });
  }

  it('a planted branch named like an option is listed as data and cannot be used as one', async () => {
    assert.match(out(await call('branch_list', { repo })), /--output=x/);
    await refused('checkout', { repo, branch: '--output=x' }, /may not begin/);
  });

  it('paths and repositories stay inside the roots', async () => {
    await refused('add', { repo, paths: ['../../outside/secret.txt'] }, /outside the allowed roots/);
    await refused('add', { repo, paths: [join(outside, 'secret.txt')] }, /outside the allowed roots/);
    await refused('status', { repo: outside }, /outside the allowed roots/);
    await refused('status', { repo: join(root, 'escape') }, /outside the allowed roots/);
    await refused('status', { repo: join(root, 'linked') }, /its \.git is not a directory/);
    await refused('status', { repo: join(repo, '.git') }, /not a git repository|not the top/);
  });

  it('revisions and ref names are verified', async () => {
    await refused('show', { repo, revision: 'no-such-thing' }, /unknown revision/);
    await refused('branch_create', { repo, name: 'bad..name' }, /invalid ref name/);
    assert.equal((await call('branch_create', { repo, name: 'feature/x' })).isError, undefined);
    assert.equal((await call('checkout', { repo, branch: 'feature/x' })).isError, undefined);
  });

  it('caps a huge diff', async () => {
    await writeFile(join(repo, 'big.txt'), `${'line\n'.repeat(5000)}`);
    const result = await call('diff', { repo });
    assert.equal(result.structuredContent?.truncated, true);
    assert.match(out(result), /output truncated/);
  });

  it('a repository whose config names programs is refused by every tool, naming the keys', async () => {
    for (const [tool, args] of [
      ['status', {}],
      ['diff', {}],
      ['log', {}],
      ['show', { revision: 'HEAD' }],
      ['blame', { path: 'f.txt' }],
      ['add', { paths: ['f.txt'] }],
      ['commit', { message: 'x' }],
      ['stash', { action: 'push' }],
      ['tag_create', { name: 'v1', message: 'x' }],
    ] as const) {
      await refused(tool, { repo: hostile, ...args }, /core\.fsmonitor \(local scope\).*filter\.evil\.clean/);
    }
    assert.deepEqual(marks(), [], 'nothing configured by the repository ran');
  });

  it('with the allow-list bypassed, the settings of every run still disarm programs under fixed keys', async () => {
    // What the tools run, straight through the runner on the hostile repository. Drivers named by
    // the repository (filters) are left out: only the allow-list stops those.
    await writeFile(join(hostile, '.gitattributes'), '* diff=evil\n');
    const limits = { timeoutMs: 10_000, maxOutput: 65_536 };
    const identity = ['user.name=T', 'user.email=t@t'];
    for (const [args, config, input] of [
      [['status', '--porcelain=v2', '--branch']],
      [['diff', '--no-ext-diff', '--no-textconv', '--no-color']],
      [['log', '--no-ext-diff', '--no-textconv', '--no-color', '-p']],
      [['show', '--no-ext-diff', '--no-textconv', '--no-color', 'HEAD']],
      [['blame', '--porcelain', '--no-textconv', 'HEAD', '--', 'f.txt']],
      [['add', '--', 'f.txt', '.gitattributes']],
      [['commit', '--no-verify', '--no-gpg-sign', '--file=-'], identity, 'through the runner'],
      [['tag', '--no-sign', '-a', '-m', 'signed?', '--end-of-options', 'v1', 'HEAD'], identity],
    ] as [string[], string[]?, string?][]) {
      await git(hostile, args, limits, config, input);
    }
    await writeFile(join(hostile, 'f.txt'), 'three\n');
    await git(hostile, ['stash', 'push'], limits);
    await git(hostile, ['stash', 'pop'], limits);
    assert.deepEqual(marks(), [], 'nothing configured by the repository ran');
    assert.match(sh(hostile, 'log', '-1', '--format=%s'), /through the runner/);
  });

  it('reset --hard needs an explicit confirmation', async () => {
    await refused('reset', { repo, mode: 'hard', revision: 'HEAD' }, /set confirmHard/);
    await writeFile(join(repo, 'README.md'), 'changed\n');
    assert.equal(
      (await call('reset', { repo, mode: 'hard', revision: 'HEAD', confirmHard: true })).isError,
      undefined,
    );
    assert.equal(await readFile(join(repo, 'README.md'), 'utf8'), 'hello\n');
  });
});
