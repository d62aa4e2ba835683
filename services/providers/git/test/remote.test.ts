import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRoots } from '@mcp-fleet/path-guard';
import { startProvider, type TestProvider } from '@mcp-fleet/sdk/testing';
import { gitTools } from '../src/provider.js';
import type { SshAccess } from '../src/remote.js';
import { caller } from './harness.js';
import {
  type GitHttpsServer,
  type GitSshServer,
  seededUpstream,
  sh,
  startGitHttpsServer,
  startGitSshServer,
} from './testing.js';

const base = mkdtempSync(join(tmpdir(), 'mcpfleet-git-remote-'));
const root = join(base, 'repos');
const clone = join(root, 'app');
const pwned = join(base, 'pwned');

/** clone, push, then fetch and pull what someone else pushed: every remote tool once, for real. */
async function roundTrip(
  ok: ReturnType<typeof caller>['ok'],
  base: string,
  upstream: string,
  url: string,
  clone: string,
) {
  await ok('clone', { url, destination: clone });
  assert.equal(await readFile(join(clone, 'README.md'), 'utf8'), 'v1\n');

  await writeFile(join(clone, 'README.md'), 'v2\n');
  sh(clone, 'commit', '-q', '-am', 'v2');
  await ok('push', { repo: clone, branch: 'main' });
  assert.equal(sh(base, '--git-dir', upstream, 'log', '-1', '--format=%s', 'main').trim(), 'v2');

  // Someone else moves upstream on; fetch sees it, pull fast-forwards to it.
  const other = join(base, 'other');
  sh(base, 'clone', '-q', upstream, other);
  await writeFile(join(other, 'README.md'), 'v3\n');
  sh(other, 'commit', '-q', '-am', 'v3');
  sh(other, 'push', '-q', 'origin', 'main');
  await ok('fetch', { repo: clone });
  assert.equal(sh(clone, 'log', '-1', '--format=%s', 'origin/main').trim(), 'v3');
  await ok('pull', { repo: clone, branch: 'main' });
  assert.equal(await readFile(join(clone, 'README.md'), 'utf8'), 'v3\n');
}

describe('git provider remote tools', () => {
  let server: TestProvider;
  let https: GitHttpsServer;
  let url: string;
  let served: string;
  let upstream: string;
  const { refused, ok } = caller(() => server);

  before(async () => {
    await mkdir(root, { recursive: true });
    ({ served, upstream } = await seededUpstream(base));
    https = await startGitHttpsServer(served, base);
    url = `${https.origin}/team/app.git`;
    server = await startProvider(
      gitTools({
        roots: await loadRoots(`${root}:rw`),
        write: true,
        remote: { allow: [`${https.origin}/team`], caFile: https.caFile, forcePush: false },
        limits: { timeoutMs: 20_000, maxOutput: 65_536 },
      }),
    );
  });
  after(async () => {
    await server?.close();
    await https?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('clones, pushes, fetches and pulls over https against a real git server', async () => {
    await roundTrip(ok, base, upstream, url, clone);
  });

  it('forced pushes need the operator switch', async () => {
    await refused('push', { repo: clone, branch: 'main', forceWithLease: true }, /MCPFLEET_GIT_FORCE_PUSH/);
  });

  it('refuses transports, hosts and paths outside the allow-list before git runs', async () => {
    const destination = join(root, 'nope');
    for (const [bad, reason] of [
      [`ext::sh -c touch% ${pwned}`, /not a URL|not allowed/],
      [`file://${upstream}`, /file: remotes are not allowed/],
      [`http://127.0.0.1/team/app.git`, /http: remotes are not allowed/],
      [`ssh://127.0.0.1/team/app.git`, /ssh: remotes are not allowed/],
      [`ssh://-oProxyCommand=touch% ${pwned}/x`, /ssh: remotes are not allowed|not a URL/],
      ['-c core.sshCommand=touch', /may not begin with/],
      [`--upload-pack=touch ${pwned}`, /may not begin with|not a URL/],
      [`${https.origin}/team-evil/app.git`, /allow-list/],
      [`${https.origin}/team/../elsewhere/app.git`, /allow-list/],
      [`${https.origin}/team/%2e%2e/elsewhere/app.git`, /allow-list/],
      [`${https.origin}/team/%2E%2E%2Felsewhere/app.git`, /encoded slashes, dots/],
      [`${https.origin}/team/..%5Celsewhere/app.git`, /encoded slashes, dots/],
      [`${https.origin.replace('https://', 'https://user:pw@')}/team/app.git`, /credentials/],
      ['https://example.com/team/app.git', /allow-list/],
    ] as const) {
      await refused('clone', { url: bad, destination }, reason);
    }
    assert.equal(existsSync(destination), false);
    assert.equal(existsSync(pwned), false);
    await refused('clone', { url, destination: join(base, 'outside') }, /outside|not allowed|denied/i);
    await refused('clone', { url, destination: clone }, /exists/);
  });

  it('a remote the repository points elsewhere is refused at use', async () => {
    const repo = join(root, 'moved');
    sh(root, 'clone', '-q', upstream, repo);
    await refused('fetch', { repo }, /is not a URL/);
    sh(repo, 'remote', 'set-url', 'origin', url);
    await ok('fetch', { repo });
    await refused('fetch', { repo, remote: 'nosuch' }, /no remote/);
  });

  it('repository settings that would reroute remote calls are refused, even behind an include', async () => {
    const repo = join(root, 'rerouted');
    sh(root, 'clone', '-q', upstream, repo);
    sh(repo, 'remote', 'set-url', 'origin', url);
    const included = join(base, 'included.cfg');
    await writeFile(included, `[url "https://example.com/"]\n\tinsteadOf = ${https.origin}/\n`);
    sh(repo, 'config', 'include.path', included);
    // Refused by the include itself: the included file is never read, so none of it is echoed.
    await refused('fetch', { repo }, /include\.path \(local scope\), which/);
    sh(repo, 'config', '--unset', 'include.path');
    sh(repo, 'config', 'http.proxy', 'http://127.0.0.1:9');
    await refused('push', { repo, branch: 'main' }, /http\.proxy/);
  });
});

describe('git provider ssh remotes', () => {
  const sshBase = mkdtempSync(join(tmpdir(), 'mcpfleet-git-ssh-'));
  const sshRoot = join(sshBase, 'repos');
  const sshPwned = join(sshBase, 'pwned');
  let sshd: GitSshServer;
  let server: TestProvider;
  let stranger: TestProvider;
  let upstream: string;
  let url: string;
  const { refused, ok, out, call } = caller(() => server);

  const start = async (ssh: SshAccess, allow: string) =>
    startProvider(
      gitTools({
        roots: await loadRoots(`${sshRoot}:rw`),
        write: true,
        remote: { allow: [allow], ssh, forcePush: false },
        limits: { timeoutMs: 20_000, maxOutput: 65_536 },
      }),
    );

  before(async () => {
    await mkdir(sshRoot, { recursive: true });
    let served: string;
    ({ served, upstream } = await seededUpstream(sshBase));
    sshd = await startGitSshServer(sshBase);
    url = `${sshd.origin}${upstream}`;
    const ssh = { keyFile: sshd.keyFile, knownHostsFile: sshd.knownHostsFile };
    const allow = `${sshd.origin}${served}/team`;
    server = await start(ssh, allow);
    // Same key, but a known_hosts that does not hold the server's key: no trust on first use.
    const unknown = join(sshBase, 'empty_known_hosts');
    await writeFile(unknown, '');
    stranger = await start({ ...ssh, knownHostsFile: unknown }, allow);
  });
  after(async () => {
    await server?.close();
    await stranger?.close();
    await sshd?.close();
    await rm(sshBase, { recursive: true, force: true });
  });

  it('clones, pushes, fetches and pulls over ssh against a real sshd', async () => {
    await roundTrip(ok, sshBase, upstream, url, join(sshRoot, 'app'));
  });

  it('an unknown host key fails the clone and leaves nothing behind', async () => {
    const destination = join(sshRoot, 'untrusted');
    const r = await caller(() => stranger).call('clone', { url, destination });
    assert.equal(r.isError, true);
    assert.match(out(r), /Host key verification failed/);
    assert.equal(existsSync(destination), false);
  });

  it('refuses ssh URLs outside the allow-list and option look-alikes; repository ssh settings never run', async () => {
    const destination = join(sshRoot, 'nope');
    const other = sshd.origin.replace(/^ssh:\/\/[^@]+@/, 'ssh://intruder@');
    for (const [bad, reason] of [
      [`ssh://-oProxyCommand=touch%20${sshPwned}/x`, /invalid host|allow-list/],
      ['ssh://-oProxyCommand=touch%20pwned@127.0.0.1/x', /invalid user/],
      [`${other}${upstream}`, /allow-list/],
      [`${sshd.origin.replace('127.0.0.1', '127.0.0.2')}${upstream}`, /allow-list/],
      [`${sshd.origin}/etc/passwd`, /allow-list/],
      [`${sshd.origin}${upstream.replace('/team/', '/team/../../')}`, /allow-list/],
      [`${sshd.origin}${upstream.replace('/team/', '/team/..\\..\\')}`, /encoded slashes, dots/],
      [`root@127.0.0.1:${upstream}`, /not a URL/],
      [`${sshd.origin.replace('@', ':pw@')}${upstream}`, /credentials/],
    ] as const) {
      await refused('clone', { url: bad, destination }, reason);
    }
    assert.equal(existsSync(destination), false);

    const repo = join(sshRoot, 'hostile');
    sh(sshRoot, 'clone', '-q', upstream, repo);
    sh(repo, 'remote', 'set-url', 'origin', url);
    sh(repo, 'config', 'core.sshCommand', `touch ${sshPwned}; ssh`);
    await refused('fetch', { repo }, /core\.sshcommand \(local scope\)/);
    assert.equal(existsSync(sshPwned), false, "the repository's core.sshCommand never ran");
    assert.equal((await call('repos', {})).isError, undefined);
  });
});
