import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRoots } from '@mcp-fleet/provider-filesystem';
import { startProvider, type TestProvider } from '@mcp-fleet/sdk/testing';
import { gitTools } from '../src/provider.js';
import { caller, sh } from './harness.js';
import { type GitHttpsServer, startGitHttpsServer } from './https-git-server.js';

const base = mkdtempSync(join(tmpdir(), 'mcpfleet-git-remote-'));
const served = join(base, 'served');
const upstream = join(served, 'team/app.git');
const root = join(base, 'repos');
const clone = join(root, 'app');
const pwned = join(base, 'pwned');

describe('git provider remote tools', () => {
  let server: TestProvider;
  let https: GitHttpsServer;
  let url: string;
  const { refused, ok } = caller(() => server);

  before(async () => {
    await mkdir(root, { recursive: true });
    await mkdir(join(served, 'team'), { recursive: true });
    sh(served, 'init', '-q', '--bare', '-b', 'main', upstream);
    const seed = join(base, 'seed');
    sh(base, 'init', '-q', '-b', 'main', seed);
    await writeFile(join(seed, 'README.md'), 'v1\n');
    sh(seed, 'add', '.');
    sh(seed, 'commit', '-q', '-m', 'v1');
    sh(seed, 'push', '-q', upstream, 'main');

    https = await startGitHttpsServer(served, base);
    url = `${https.origin}/team/app.git`;
    server = await startProvider(
      gitTools({
        roots: await loadRoots(root),
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
    await ok('clone', { url, destination: clone });
    assert.equal(await readFile(join(clone, 'README.md'), 'utf8'), 'v1\n');

    await writeFile(join(clone, 'README.md'), 'v2\n');
    sh(clone, 'commit', '-q', '-am', 'v2');
    await ok('push', { repo: clone, branch: 'main' });
    assert.equal(sh(served, '--git-dir', upstream, 'log', '-1', '--format=%s', 'main').trim(), 'v2');

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
    await refused('fetch', { repo }, /url\.https:\/\/example\.com\/\.insteadof/i);
    sh(repo, 'config', '--unset', 'include.path');
    sh(repo, 'config', 'http.proxy', 'http://127.0.0.1:9');
    await refused('push', { repo, branch: 'main' }, /http\.proxy/);
  });
});
