import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AccessDenied, resolvePath } from '@mcp-fleet/path-guard';
import { defineTool, WRITE } from '@mcp-fleet/sdk';
import type { GitProvider } from '../context.js';
import { type Args, gitTool, TEXT, type ToolSpec, text } from '../git-tool.js';
import { checkRemoteUrl, type RemotePolicy, remoteConfig } from '../remote.js';
import { checkRefName, openRepo, type Repo, verifyRevision } from '../repo.js';
import { git, plain } from '../run.js';

const REMOTE = { ...WRITE, openWorldHint: true };

/**
 * The URL of a repository's remote, checked against the policy at every use (its config may have
 * changed). git is then handed this URL, never the remote's name: the repository was admitted with
 * remote names that cannot be mistaken for a URL and with no url.* rewrites, so git sends the call
 * to exactly the URL that was checked.
 */
async function remoteUrl(
  p: GitProvider,
  policy: RemotePolicy,
  repo: Repo,
  remote = 'origin',
): Promise<string> {
  const { stdout } = await git(
    repo.path,
    ['remote', 'get-url', '--end-of-options', plain(remote, 'remote')],
    p.limits,
  ).catch(() => {
    throw new AccessDenied(`no remote ${JSON.stringify(remote)}`);
  });
  return checkRemoteUrl(policy, stdout.trim());
}

/** A remote tool on an existing repository: opened and admitted like any other, then `build` runs. */
function onRepo<A extends Args & { remote?: string }>(
  p: GitProvider,
  policy: RemotePolicy,
  spec: ToolSpec,
  build: (repo: Repo, url: string, args: A) => Promise<string[]>,
) {
  const config = remoteConfig(policy);
  return gitTool<A>(p, { ...spec, properties: { remote: TEXT, ...spec.properties } }, async (repo, a) => ({
    args: await build(repo, await remoteUrl(p, policy, repo, a.remote), a),
    config,
  }));
}

/** Clones into a new directory of a writable root; the checkout waits until the clone is admitted. */
function clone(p: GitProvider, policy: RemotePolicy) {
  const config = remoteConfig(policy);
  return defineTool<{ url: string; destination: string }>({
    name: 'clone',
    title: 'Clone',
    description:
      'Clones an allowed https (or ssh, when configured) repository into a new directory inside a writable root.',
    inputSchema: {
      type: 'object',
      properties: { url: TEXT, destination: TEXT },
      required: ['url', 'destination'],
      additionalProperties: false,
    },
    annotations: REMOTE,
    async handler({ url, destination }, ctx) {
      const limits = { ...p.limits, signal: ctx.signal };
      const checked = checkRemoteUrl(policy, url);
      const target = await resolvePath({ roots: p.roots }, plain(destination, 'destination'), 'write');
      if (target.exists) throw new AccessDenied(`${destination} exists`);
      const result = await git(
        path.dirname(target.real),
        ['clone', '--no-checkout', '--end-of-options', checked, path.basename(target.real)],
        limits,
        config,
      );
      // An empty repository has nothing to check out; any other failure leaves no half clone.
      try {
        const repo = await openRepo(p.roots, target.real, limits);
        const empty = await git(repo.path, ['rev-parse', '--verify', '--quiet', 'HEAD'], limits).then(
          () => false,
          () => true,
        );
        if (!empty) await git(repo.path, ['checkout', '--quiet', 'HEAD'], limits, config);
      } catch (err) {
        await rm(target.real, { recursive: true, force: true });
        throw err;
      }
      return text(result);
    },
  });
}

export function remoteTools(p: GitProvider, policy: RemotePolicy) {
  return [
    clone(p, policy),
    onRepo<Args & { remote?: string }>(
      p,
      policy,
      {
        name: 'fetch',
        title: 'Fetch',
        description: 'Fetches from an allowed remote (default origin).',
        properties: {},
        annotations: REMOTE,
      },
      async (_repo, url, a) => [
        'fetch',
        '--no-recurse-submodules',
        '--end-of-options',
        url,
        `+refs/heads/*:refs/remotes/${a.remote ?? 'origin'}/*`,
      ],
    ),
    onRepo<Args & { remote?: string; branch: string }>(
      p,
      policy,
      {
        name: 'pull',
        title: 'Pull',
        description: 'Fetches a branch from an allowed remote and fast-forwards the current branch to it.',
        properties: { branch: TEXT },
        required: ['branch'],
        annotations: REMOTE,
      },
      async (repo, url, a) => [
        'pull',
        '--quiet',
        '--ff-only',
        '--no-rebase',
        '--no-recurse-submodules',
        '--end-of-options',
        url,
        await checkRefName(repo, a.branch, p.limits),
      ],
    ),
    onRepo<Args & { remote?: string; branch: string; forceWithLease?: boolean }>(
      p,
      policy,
      {
        name: 'push',
        title: 'Push',
        description:
          'Pushes a branch to an allowed remote; forced only with a lease, and only when the operator allowed it.',
        properties: { branch: TEXT, forceWithLease: { type: 'boolean' } },
        required: ['branch'],
        annotations: { ...REMOTE, destructiveHint: true },
      },
      async (repo, url, a) => {
        if (a.forceWithLease && !policy.forcePush)
          throw new AccessDenied('forced pushes are not enabled (MCPFLEET_GIT_FORCE_PUSH)');
        const branch = await checkRefName(repo, a.branch, p.limits);
        await verifyRevision(repo, `refs/heads/${branch}`, p.limits);
        return [
          'push',
          '--no-verify',
          '--no-recurse-submodules',
          ...(a.forceWithLease ? ['--force-with-lease'] : []),
          '--end-of-options',
          url,
          `refs/heads/${branch}:refs/heads/${branch}`,
        ];
      },
    ),
  ];
}
