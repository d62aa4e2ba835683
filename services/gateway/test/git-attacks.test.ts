/**
 * Attacks on the git provider, through the gateway, against real git: a hostile repository's own
 * configuration, storage that leads out of the roots, remotes redirected off the allow-list and a
 * working tree whose directories are links out of the roots. Remotes are a real https git server and
 * a real sshd, both on loopback.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRoots } from '@mcp-fleet/provider-filesystem';
import { gitTools } from '@mcp-fleet/provider-git';
import {
  dotGitLinkIntoTrackedDir,
  type GitHttpsServer,
  type GitSshServer,
  gitDirInAnotherRepo,
  gitDirInWorkTree,
  INCLUDE_LEAK,
  includingRepos,
  linksInsideGitDir,
  seededUpstream,
  sh,
  startGitHttpsServer,
  startGitSshServer,
  submoduleGitDirInWorkTree,
  trailingSpaceGitfile,
  untrackedRepoBecomesSubmodule,
} from '@mcp-fleet/provider-git/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type Fleet, startFleet } from './support.js';

type Result = { content: { text?: string }[]; isError?: boolean };

let [base, root, readOnlyRoot, outside, served, upstream] = ['', '', '', '', '', ''];
let https: GitHttpsServer;
let sshd: GitSshServer;
let fleet: Fleet;
let client: Client;

const marker = (what: string) => join(base, `pwned-${what}`);
const run = (what: string) => `touch ${marker(what)}`;
const ran = (what: string) => existsSync(marker(what));
const call = async (name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as Result;
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');
const refused = async (name: string, args: Record<string, unknown>, reason: RegExp) => {
  const result = await call(name, args);
  assert.equal(result.isError, true, `${name} should be refused: ${text(result)}`);
  assert.match(text(result), reason);
};
const ok = async (name: string, args: Record<string, unknown>) => {
  const result = await call(name, args);
  assert.notEqual(result.isError, true, `${name}: ${text(result)}`);
  return text(result);
};

/** A repository in the root with one commit of `files`. */
const localRepo = async (name: string, files: Record<string, string> = { 'f.txt': 'one\n' }) => {
  const repo = join(root, name);
  sh(root, 'init', '-q', '-b', 'main', repo);
  for (const [file, content] of Object.entries(files)) await writeFile(join(repo, file), content);
  sh(repo, 'add', '.');
  sh(repo, 'commit', '-q', '-m', 'init');
  return repo;
};

/** A bare repository served at `<served>/<path>` holding one commit whose README says `content`. */
const servedRepo = async (path: string, content: string) => {
  const seed = await mkdtemp(join(base, 'seed-'));
  sh(seed, 'init', '-q', '-b', 'main');
  await writeFile(join(seed, 'README.md'), content);
  sh(seed, 'add', '.');
  sh(seed, 'commit', '-q', '-m', content.trim());
  sh(served, 'init', '-q', '--bare', '-b', 'main', join(served, path));
  sh(seed, 'push', '-q', join(served, path), 'main');
  return join(served, path);
};

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'mcpfleet-git-attacks-'));
  root = join(base, 'repos');
  readOnlyRoot = join(base, 'read-only');
  outside = join(base, 'outside');
  for (const dir of [root, readOnlyRoot, outside]) await mkdir(dir, { recursive: true });
  await writeFile(join(outside, 'passwd'), 'SECRET-OUTSIDE\n');
  ({ served, upstream } = await seededUpstream(base));
  https = await startGitHttpsServer(served, base);
  sshd = await startGitSshServer(base);
  const limits = { timeoutMs: 20_000, maxOutput: 65_536 };
  const httpsTeam = `${https.origin}/team`;
  fleet = await startFleet([
    {
      name: 'git',
      timeoutMs: 30_000,
      definitions: gitTools({
        roots: await loadRoots(`${root}:rw`),
        write: true,
        remote: {
          allow: [httpsTeam, `${sshd.origin}${served}/team`],
          caFile: https.caFile,
          ssh: { keyFile: sshd.keyFile, knownHostsFile: sshd.knownHostsFile },
          forcePush: false,
        },
        limits,
      }),
    },
    {
      name: 'gitro',
      timeoutMs: 30_000,
      definitions: gitTools({
        roots: await loadRoots(readOnlyRoot),
        write: true,
        remote: { allow: [httpsTeam], caFile: https.caFile, forcePush: false },
        limits,
      }),
    },
  ]);
  client = new Client({ name: 'git-attacks', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(fleet.url)));
});
after(async () => {
  await client?.close();
  await fleet?.close();
  await https?.close();
  await sshd?.close();
  await rm(base, { recursive: true, force: true });
});

describe('git: a hostile repository configuration runs nothing (issue 15, hole 3 and suspected keys)', () => {
  it('blame: a textconv diff driver named by .gitattributes in the repository config never runs', async () => {
    const repo = await localRepo('blame-textconv', { '.gitattributes': '* diff=evil\n', 'f.txt': 'one\n' });
    sh(repo, 'config', 'diff.evil.textconv', run('textconv'));
    await refused('git_blame', { repo, path: 'f.txt' }, /diff\.evil\.textconv/);
    assert.equal(ran('textconv'), false, 'the textconv program ran');
  });

  it('tag_create: forceSignAnnotated with an ssh defaultKeyCommand in the repository config never runs', async () => {
    const repo = await localRepo('tag-signing');
    sh(repo, 'config', 'user.name', 'Mallory');
    sh(repo, 'config', 'user.email', 'mallory@example.com');
    sh(repo, 'config', 'tag.forceSignAnnotated', 'true');
    sh(repo, 'config', 'gpg.format', 'ssh');
    sh(repo, 'config', 'gpg.ssh.defaultKeyCommand', run('keycommand'));
    await refused('git_tag_create', { repo, name: 'v1', message: 'release' }, /tag\.forcesignannotated/i);
    assert.equal(ran('keycommand'), false, 'the key command ran');
    assert.equal(sh(repo, 'tag', '--list'), '');
  });

  it('status/add: a clean filter hidden in .git/config.worktree (extensions.worktreeConfig) never runs', async () => {
    const repo = await localRepo('worktree-filter', {
      '.gitattributes': '* filter=evil\n',
      'f.txt': 'one\n',
    });
    sh(repo, 'config', 'extensions.worktreeConfig', 'true');
    sh(repo, 'config', '--worktree', 'filter.evil.clean', run('clean'));
    // Same size, new mtime: status has to hash the file, which is where a clean filter runs.
    await writeFile(join(repo, 'f.txt'), 'two\n');
    await refused('git_status', { repo }, /filter\.evil\.clean \(worktree/);
    await refused('git_add', { repo, paths: ['f.txt'] }, /filter\.evil\.clean \(worktree/);
    assert.equal(ran('clean'), false, 'the clean filter ran');
  });

  for (const [key, value] of [
    ['merge.evil.driver', 'merge'],
    ['core.alternateRefsCommand', 'alternates'],
    ['include.path', 'include'],
    ['remote.origin.uploadpack', 'uploadpack'],
    ['core.hooksPath', 'hooks'],
  ] as const) {
    it(`a repository whose config sets ${key} is refused, naming the key`, async () => {
      const repo = await localRepo(`config-${value}`);
      sh(repo, 'config', key, run(value));
      await refused('git_status', { repo }, new RegExp(key.replace(/\./g, '\\.'), 'i'));
      assert.equal(ran(value), false);
    });
  }

  it("status: a clean filter in a submodule's own config never runs when git enters the submodule", async () => {
    const module = await servedRepo('team/module.git', 'module\n');
    const repo = await localRepo('super');
    sh(repo, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', module, 'sub');
    sh(repo, 'commit', '-q', '-m', 'submodule');
    await ok('git_status', { repo });

    sh(join(repo, 'sub'), 'config', 'filter.evil.clean', run('subclean'));
    await writeFile(join(repo, 'sub/.gitattributes'), '* filter=evil\n');
    await writeFile(join(repo, 'sub/README.md'), 'MODULE\n');
    await refused('git_status', { repo }, /sub.*filter\.evil\.clean/s);
    await refused('git_diff', { repo }, /filter\.evil\.clean/);
    assert.equal(ran('subclean'), false, "the submodule's clean filter ran");
  });
});

describe('git: remote calls stay on the allow-list (hole 4) and clone writes only where allowed', () => {
  for (const scheme of ['https', 'ssh'] as const) {
    it(`push/fetch: a remote named after the allowed ${scheme} URL cannot redirect them off the allow-list`, async () => {
      const origin = scheme === 'https' ? https.origin : `${sshd.origin}${served}`;
      const allowed = `${origin}/team/app.git`;
      // Elsewhere on the same server: upstream's history plus a branch of its own.
      const evilPath = `evil/${scheme}.git`;
      const evil = join(served, evilPath);
      sh(served, 'clone', '-q', '--bare', upstream, evil);
      sh(served, '--git-dir', evil, 'branch', 'evil', 'main');
      const repo = join(root, `redirect-${scheme}`);
      await ok('git_clone', { url: allowed, destination: repo });
      sh(repo, 'config', `remote.${allowed}.url`, `${origin}/${evilPath}`);
      await writeFile(join(repo, 'README.md'), 'pushed\n');
      sh(repo, 'commit', '-q', '-am', 'pushed');

      await refused('git_push', { repo, branch: 'main' }, /remote\..*\.url/);
      await refused('git_fetch', { repo }, /remote\..*\.url/);
      assert.equal(sh(served, '--git-dir', evil, 'log', '-1', '--format=%s', 'main').trim(), 'v1', 'pushed');
      assert.equal(sh(repo, 'branch', '--remotes', '--list', 'origin/evil'), '', 'fetched');
    });
  }

  it('clone: the destination must be in a writable root', async () => {
    const destination = join(readOnlyRoot, 'app');
    await refused('gitro_clone', { url: `${https.origin}/team/app.git`, destination }, /read-only root/);
    assert.equal(existsSync(destination), false);
  });
});

describe('git: nothing is read out of the roots (hole 5, storage outside the roots)', () => {
  it('grep/blame: an indexed docs/passwd under a working-tree docs symlinked out of the roots is not read', async () => {
    // A hostile upstream: first docs/passwd, then docs as a link to a directory outside the roots.
    const seed = await mkdtemp(join(base, 'seed-'));
    sh(seed, 'init', '-q', '-b', 'main');
    await mkdir(join(seed, 'docs'));
    await writeFile(join(seed, 'docs/passwd'), 'in-repo copy\n');
    sh(seed, 'add', '.');
    sh(seed, 'commit', '-q', '-m', 'docs');
    sh(seed, 'rm', '-q', '-r', 'docs');
    await symlink(outside, join(seed, 'docs'));
    sh(seed, 'add', 'docs');
    sh(seed, 'commit', '-q', '-m', 'link');
    sh(served, 'init', '-q', '--bare', '-b', 'main', join(served, 'team/links.git'));
    sh(seed, 'push', '-q', join(served, 'team/links.git'), 'main');

    const repo = join(root, 'links');
    await ok('git_clone', { url: `${https.origin}/team/links.git`, destination: repo });
    await ok('git_reset', { repo, mode: 'mixed', revision: 'HEAD~1' });
    const found = await ok('git_grep', { repo, pattern: 'SECRET|in-repo' });
    assert.doesNotMatch(found, /SECRET-OUTSIDE/);
    assert.match(found, /docs\/passwd:1:in-repo copy/);
    const blamed = await call('git_blame', { repo, path: 'docs/passwd' });
    assert.doesNotMatch(text(blamed), /SECRET-OUTSIDE/);
    // git itself never reads or writes a tracked path beyond a link: diff sees the file as deleted,
    // and a hard reset replaces the link with a real directory.
    assert.doesNotMatch(await ok('git_diff', { repo }), /SECRET-OUTSIDE/);
    await refused('git_add', { repo, paths: ['docs/passwd'] }, /outside the allowed roots/);
    await ok('git_reset', { repo, mode: 'hard', revision: 'HEAD', confirmHard: true });
    assert.equal(await readFile(join(repo, 'docs/passwd'), 'utf8'), 'in-repo copy\n');
    assert.equal(await readFile(join(outside, 'passwd'), 'utf8'), 'SECRET-OUTSIDE\n');
  });

  it('storage outside the roots: a .git link or gitfile, commondir, alternates, a linked objects directory', async () => {
    const secret = join(outside, 'repo');
    sh(outside, 'init', '-q', '-b', 'main', secret);
    await writeFile(join(secret, 'secret.txt'), 'SECRET-HISTORY\n');
    sh(secret, 'add', '.');
    sh(secret, 'commit', '-q', '-m', 'SECRET-HISTORY');
    const secretCommit = sh(secret, 'rev-parse', 'HEAD').trim();

    const linked = join(root, 'dotgit-link');
    await mkdir(linked);
    await symlink(join(secret, '.git'), join(linked, '.git'));
    const gitfile = join(root, 'gitfile');
    await mkdir(gitfile);
    await writeFile(join(gitfile, '.git'), `gitdir: ${join(secret, '.git')}\n`);
    const common = await localRepo('commondir');
    await writeFile(join(common, '.git/commondir'), join(secret, '.git'));
    const alternates = await localRepo('alternates');
    await writeFile(join(alternates, '.git/objects/info/alternates'), `${join(secret, '.git/objects')}\n`);
    const objects = await localRepo('objects-link');
    await rm(join(objects, '.git/objects'), { recursive: true });
    await symlink(join(secret, '.git/objects'), join(objects, '.git/objects'));

    for (const repo of [linked, gitfile, common, alternates, objects]) {
      const shown = await call('git_show', { repo, revision: secretCommit });
      assert.equal(shown.isError, true, `${repo}: ${text(shown)}`);
      assert.match(text(shown), /outside the allowed roots|is not a directory|linked worktrees|holds a link/);
      assert.doesNotMatch(text(shown), /SECRET-HISTORY/);
    }
  });
});

describe('git: admission cannot be raced or read around (round 2 review)', () => {
  it('stash apply: a git directory inside its own working tree (gitdir: gd, tracked gd/config) is refused, its filter never runs', async () => {
    const { repo, clean } = await gitDirInWorkTree(root, base, 'gd-in-tree', marker('stash'));
    for (const [tool, args] of [
      ['git_status', {}],
      ['git_stash', { action: 'apply' }],
      ['git_checkout', { branch: 'evil' }],
      ['git_reset', { mode: 'hard', revision: 'evil', confirmHard: true }],
    ] as const)
      await refused(tool, { repo, ...args }, /its \.git is not a directory/);
    assert.equal(ran('stash'), false, 'the filter written by stash apply ran');
    assert.equal(await readFile(join(repo, 'gd/config'), 'utf8'), clean);
    const superproject = await submoduleGitDirInWorkTree(root, base, 'sub-gd-in-tree');
    await refused('git_status', { repo: superproject }, /submodule sub: its \.git file does not lead into/);
  });

  it('include.path out of the roots or at /etc/passwd: one fixed refusal, nothing of the included file', async () => {
    const answers = new Set<string>();
    for (const repo of await includingRepos(root, outside)) {
      const result = await call('git_status', { repo });
      assert.equal(result.isError, true, text(result));
      assert.match(text(result), /include\.path \(local scope\)/);
      assert.doesNotMatch(text(result), INCLUDE_LEAK);
      answers.add(text(result).replace(repo, '<repo>'));
    }
    assert.equal(answers.size, 1, [...answers].join(' | '));
  });

  it('.git file "gitdir: inner " with "inner " linked out of the roots: refused before git reads it', async () => {
    const secret = join(outside, 'trailing');
    sh(outside, 'init', '-q', '-b', 'main', secret);
    await writeFile(join(secret, '.git/config'), '[SECRET-TOKEN\n', { flag: 'a' });
    const repo = await trailingSpaceGitfile(root, 'trailing-space', join(secret, '.git'));
    const result = await call('git_log', { repo });
    assert.equal(result.isError, true, text(result));
    assert.match(text(result), /its \.git is not a directory/);
    assert.doesNotMatch(text(result), /SECRET|outside\/|bad config/);
  });
});

describe('git: placement and storage (round 3 review)', () => {
  it('checkout / stash apply: an untracked nested repository that becomes a submodule is never entered', async () => {
    for (const [tool, args] of [
      ['git_checkout', { branch: 'evil' }],
      ['git_stash', { action: 'apply' }],
    ] as const) {
      const repo = await untrackedRepoBecomesSubmodule(root, `nested-${tool}`, marker(`nested-${tool}`));
      await ok(tool, { repo, ...args });
      await refused('git_status', { repo }, /submodule p: its \.git file must be a gitdir: file/);
      assert.equal(ran(`nested-${tool}`), false, "git ran the nested repository's filter");
    }
  });

  it("gitdir in another repository's working tree, .git a link into a tracked directory, logs/HEAD or refs/tags linked out of the roots: refused, nothing runs or is written", async () => {
    const other = await gitDirInAnotherRepo(root, 'other-gitdir', marker('other-gitdir'));
    await ok('git_checkout', { repo: other.b, branch: 'evil' });
    await refused('git_diff', { repo: other.a, from: 'HEAD' }, /its \.git is not a directory/);
    const { a } = await dotGitLinkIntoTrackedDir(root, 'dotgit-link', base, marker('dotgit-link'));
    await refused('git_stash', { repo: a, action: 'apply' }, /its \.git is not a directory/);
    await refused(
      'git_reset',
      { repo: a, mode: 'hard', revision: 'evil', confirmHard: true },
      /not a directory/,
    );
    assert.ok(lstatSync(join(a, 'x/.git')).isDirectory(), 'the git directory was deleted');
    assert.deepEqual(['other-gitdir', 'dotgit-link'].filter(ran), []);
    const { logs, tags, victim } = await linksInsideGitDir(root, outside);
    await refused('git_commit', { repo: logs, message: 'planted' }, /holds a link \(logs\/HEAD\)/);
    await refused('git_tag_create', { repo: tags, name: 'planted' }, /holds a link \(refs\/tags\)/);
    assert.equal(await readFile(victim, 'utf8'), 'outside\n');
    assert.equal(existsSync(join(outside, 'planted')), false);
  });
});

describe("git: the provider's own environment", () => {
  it("the provider process's environment, HOME, XDG and global or system config never reach git", async () => {
    const repo = await localRepo('environment');
    const hostile = join(base, 'hostile.gitconfig');
    await writeFile(hostile, `[core]\n\tfsmonitor = ${run('env-config')}\n`);
    await mkdir(join(base, 'home/.config/git'), { recursive: true });
    await writeFile(join(base, 'home/.gitconfig'), `[core]\n\tfsmonitor = ${run('env-home')}\n`);
    await writeFile(join(base, 'home/.config/git/config'), `[core]\n\tfsmonitor = ${run('env-xdg')}\n`);
    const injected: Record<string, string> = {
      HOME: join(base, 'home'),
      XDG_CONFIG_HOME: join(base, 'home/.config'),
      GIT_CONFIG_GLOBAL: hostile,
      GIT_CONFIG_SYSTEM: hostile,
      GIT_CONFIG_NOSYSTEM: '',
      GIT_CONFIG_PARAMETERS: `'core.fsmonitor'='${run('env-parameters')}'`,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'core.fsmonitor',
      GIT_CONFIG_VALUE_0: run('env-count'),
      GIT_DIR: join(outside, 'repo/.git'),
    };
    const saved = Object.fromEntries(Object.keys(injected).map((k) => [k, process.env[k]]));
    Object.assign(process.env, injected);
    try {
      await writeFile(join(repo, 'f.txt'), 'two\n');
      assert.match(await ok('git_status', { repo }), /f\.txt/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const leaked = ['env-config', 'env-home', 'env-xdg', 'env-parameters', 'env-count'].filter(ran);
    assert.deepEqual(leaked, []);
  });
});
