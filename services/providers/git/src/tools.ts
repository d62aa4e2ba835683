import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { AccessDenied, type Root, resolvePath } from '@mcp-fleet/provider-filesystem';
import { defineTool, type ToolAnnotations } from '@mcp-fleet/sdk';
import {
  checkRefName,
  checkRemoteUrl,
  type GitLimits,
  git,
  openRepo,
  plain,
  type RemotePolicy,
  type Repo,
  remoteConfig,
  verifyRevision,
} from './git.js';

export interface GitProvider {
  roots: Root[];
  /** Remote tools (clone, fetch, pull, push) are registered only when set. */
  remote?: RemotePolicy;
  limits: GitLimits;
  /** Local write tools (add, commit, branch, ...) are registered only when true. */
  write: boolean;
  /** Commit as the caller (`<subject> <subject@<domain>>`) when set. */
  authorDomain?: string;
}

const READ: ToolAnnotations = {
  readOnlyHint: true,
  idempotentHint: true,
  destructiveHint: false,
  openWorldHint: false,
};
const WRITE: ToolAnnotations = {
  readOnlyHint: false,
  idempotentHint: false,
  destructiveHint: false,
  openWorldHint: false,
};
const REPO = {
  type: 'string',
  minLength: 1,
  description: 'path of the repository, inside the allowed roots',
};
const TEXT = { type: 'string', minLength: 1, maxLength: 4096 };
const PATHS = { type: 'array', items: TEXT, maxItems: 200 };

/** Paths inside the repository, as git wants them after `--`: relative, realpath-checked. */
async function repoPaths(repo: Repo, paths: string[] = []): Promise<string[]> {
  const scope = { roots: [{ given: repo.path, real: repo.path, writable: true }] };
  const out: string[] = [];
  for (const p of paths) {
    const resolved = await resolvePath(scope, plain(p, 'path'), 'read');
    out.push(path.relative(repo.path, resolved.real) || '.');
  }
  return out;
}

function text(result: { stdout: string; truncated: boolean }) {
  const body = result.stdout || '(nothing)';
  return {
    content: [{ type: 'text' as const, text: result.truncated ? `${body}\n(output truncated)` : body }],
    structuredContent: { output: result.stdout, truncated: result.truncated },
  };
}

type Args = Record<string, unknown> & { repo: string };

/** A tool that opens the repository safely, then runs `build` to get git's arguments. */
function gitTool<A extends Args>(
  p: GitProvider,
  spec: {
    name: string;
    title: string;
    description: string;
    properties: Record<string, unknown>;
    required?: string[];
    annotations: ToolAnnotations;
  },
  build: (repo: Repo, args: A) => Promise<string[]>,
) {
  return defineTool<A>({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    inputSchema: {
      type: 'object',
      properties: { repo: REPO, ...spec.properties },
      required: ['repo', ...(spec.required ?? [])],
      additionalProperties: false,
    },
    annotations: spec.annotations,
    async handler(args) {
      const repo = await openRepo(p.roots, args.repo, p.limits);
      return text(await git(repo.path, await build(repo, args), p.limits, repo.filters));
    },
  });
}

export function readTools(p: GitProvider) {
  const rev = async (repo: Repo, value: unknown) =>
    value === undefined ? [] : [await verifyRevision(repo, String(value), p.limits)];
  return [
    defineTool({
      name: 'repos',
      title: 'Repositories',
      description: 'The git repositories under the allowed roots (two levels deep).',
      inputSchema: { type: 'object', properties: {}, additionalProperties: false },
      annotations: READ,
      async handler() {
        const found: string[] = [];
        for (const root of p.roots) {
          const candidates = [root.real];
          for (const entry of await readdir(root.real, { withFileTypes: true }).catch(() => [])) {
            if (entry.isDirectory()) candidates.push(path.join(root.real, entry.name));
          }
          for (const dir of candidates) {
            // Only what openRepo accepts: a .git file pointing out of the roots is not listed.
            if (
              await openRepo(p.roots, dir, p.limits).then(
                () => true,
                () => false,
              )
            )
              found.push(dir);
          }
        }
        return {
          content: [{ type: 'text', text: found.join('\n') || '(none)' }],
          structuredContent: { repos: found },
        };
      },
    }),
    gitTool(
      p,
      {
        name: 'status',
        title: 'Status',
        description: 'Branch and changed files (porcelain v2).',
        properties: {},
        annotations: READ,
      },
      async () => ['status', '--porcelain=v2', '--branch'],
    ),
    gitTool<Args & { staged?: boolean; from?: string; to?: string; paths?: string[]; context?: number }>(
      p,
      {
        name: 'diff',
        title: 'Diff',
        description:
          'Unstaged changes, staged ones (`staged`), or between revisions (`from`, `to`), optionally for paths; capped in size.',
        properties: {
          staged: { type: 'boolean' },
          from: TEXT,
          to: TEXT,
          paths: PATHS,
          context: { type: 'integer', minimum: 0, maximum: 50 },
        },
        annotations: READ,
      },
      async (repo, a) => [
        'diff',
        '--no-ext-diff',
        '--no-textconv',
        '--no-color',
        `-U${a.context ?? 3}`,
        ...(a.staged ? ['--cached'] : []),
        ...(await rev(repo, a.from)),
        ...(await rev(repo, a.to)),
        '--',
        ...(await repoPaths(repo, a.paths)),
      ],
    ),
    gitTool<Args & { ref?: string; maxCount?: number; since?: string; until?: string; path?: string }>(
      p,
      {
        name: 'log',
        title: 'Log',
        description: 'Commits reachable from a revision (default HEAD), newest first.',
        properties: {
          ref: TEXT,
          maxCount: { type: 'integer', minimum: 1, maximum: 1000 },
          since: TEXT,
          until: TEXT,
          path: TEXT,
        },
        annotations: READ,
      },
      async (repo, a) => [
        'log',
        '--no-ext-diff',
        '--no-color',
        `--max-count=${a.maxCount ?? 20}`,
        '--format=%H%x09%an%x09%aI%x09%s',
        ...(a.since ? [`--since=${plain(a.since, 'since')}`] : []),
        ...(a.until ? [`--until=${plain(a.until, 'until')}`] : []),
        ...(await rev(repo, a.ref ?? 'HEAD')),
        '--',
        ...(await repoPaths(repo, a.path ? [a.path] : [])),
      ],
    ),
    gitTool<Args & { revision: string; path?: string }>(
      p,
      {
        name: 'show',
        title: 'Show',
        description: 'A commit, or one file at a revision.',
        properties: { revision: TEXT, path: TEXT },
        required: ['revision'],
        annotations: READ,
      },
      async (repo, a) => {
        const commit = await verifyRevision(repo, a.revision, p.limits);
        if (!a.path) return ['show', '--no-ext-diff', '--no-textconv', '--no-color', commit];
        const [file] = await repoPaths(repo, [a.path]);
        return ['show', '--no-textconv', `${commit}:${file}`];
      },
    ),
    gitTool(
      p,
      {
        name: 'branch_list',
        title: 'Branches',
        description: 'Local branches.',
        properties: {},
        annotations: READ,
      },
      async () => ['branch', '--list', '--no-color', '--format=%(refname:short)%09%(objectname)%09%(HEAD)'],
    ),
    gitTool(
      p,
      { name: 'tag_list', title: 'Tags', description: 'Tags.', properties: {}, annotations: READ },
      async () => ['tag', '--list'],
    ),
    gitTool(
      p,
      {
        name: 'remote_list',
        title: 'Remotes',
        description: 'Configured remotes and their URLs.',
        properties: {},
        annotations: READ,
      },
      async () => ['remote', '-v'],
    ),
    gitTool<Args & { path: string; start?: number; end?: number }>(
      p,
      {
        name: 'blame',
        title: 'Blame',
        description: 'Who last changed each line of a file, optionally for a line range.',
        properties: {
          path: TEXT,
          start: { type: 'integer', minimum: 1 },
          end: { type: 'integer', minimum: 1 },
        },
        required: ['path'],
        annotations: READ,
      },
      async (repo, a) => [
        'blame',
        '--porcelain',
        ...(a.start ? [`-L${a.start},${a.end ?? a.start}`] : []),
        '--',
        ...(await repoPaths(repo, [a.path])),
      ],
    ),
    gitTool<Args & { pattern: string; ignoreCase?: boolean }>(
      p,
      {
        name: 'grep',
        title: 'Grep',
        description: 'Tracked lines matching an extended regular expression.',
        properties: { pattern: TEXT, ignoreCase: { type: 'boolean' } },
        required: ['pattern'],
        annotations: READ,
      },
      async (_repo, a) => [
        'grep',
        '-n',
        '-E',
        '--no-color',
        ...(a.ignoreCase ? ['-i'] : []),
        '-e',
        a.pattern,
        '--',
      ],
    ),
    gitTool(
      p,
      {
        name: 'reflog',
        title: 'Reflog',
        description: 'Recent movements of HEAD.',
        properties: {},
        annotations: READ,
      },
      async () => ['reflog', '--no-color', '-n', '50'],
    ),
    gitTool(
      p,
      {
        name: 'stash_list',
        title: 'Stashes',
        description: 'Saved stashes.',
        properties: {},
        annotations: READ,
      },
      async () => ['stash', 'list'],
    ),
  ];
}

export function writeTools(p: GitProvider) {
  return [
    gitTool<Args & { paths: string[] }>(
      p,
      {
        name: 'add',
        title: 'Stage',
        description: 'Stages files of the working tree.',
        properties: { paths: { ...PATHS, minItems: 1 } },
        required: ['paths'],
        annotations: WRITE,
      },
      async (repo, a) => ['add', '--', ...(await repoPaths(repo, a.paths))],
    ),
    gitTool<Args & { paths: string[]; staged?: boolean }>(
      p,
      {
        name: 'restore',
        title: 'Restore',
        description: 'Discards working-tree changes of files, or unstages them (`staged`).',
        properties: { paths: { ...PATHS, minItems: 1 }, staged: { type: 'boolean' } },
        required: ['paths'],
        annotations: { ...WRITE, destructiveHint: true },
      },
      async (repo, a) => [
        'restore',
        ...(a.staged ? ['--staged'] : []),
        '--',
        ...(await repoPaths(repo, a.paths)),
      ],
    ),
    defineTool<Args & { message: string; amend?: boolean }>({
      name: 'commit',
      title: 'Commit',
      description: 'Commits what is staged. `amend` rewrites the last commit.',
      inputSchema: {
        type: 'object',
        properties: { repo: REPO, message: TEXT, amend: { type: 'boolean' } },
        required: ['repo', 'message'],
        additionalProperties: false,
      },
      annotations: WRITE,
      async handler(a, ctx) {
        const repo = await openRepo(p.roots, a.repo, p.limits);
        const author = p.authorDomain
          ? [`user.name=${ctx.identity.subject}`, `user.email=${ctx.identity.subject}@${p.authorDomain}`]
          : [];
        const identity =
          author.length > 0 ? author : ['user.name=MCP Fleet', 'user.email=mcp-fleet@localhost'];
        const args = ['commit', '--no-verify', '--file=-', ...(a.amend ? ['--amend'] : [])];
        return text(await git(repo.path, args, p.limits, [...repo.filters, ...identity], a.message));
      },
    }),
    gitTool<Args & { name: string; from?: string }>(
      p,
      {
        name: 'branch_create',
        title: 'Create a branch',
        description: 'A new branch at a revision (default HEAD).',
        properties: { name: TEXT, from: TEXT },
        required: ['name'],
        annotations: WRITE,
      },
      async (repo, a) => [
        'branch',
        '--no-track',
        '--end-of-options',
        await checkRefName(repo, a.name, p.limits),
        await verifyRevision(repo, a.from ?? 'HEAD', p.limits),
      ],
    ),
    gitTool<Args & { branch: string }>(
      p,
      {
        name: 'checkout',
        title: 'Switch branch',
        description: 'Switches to an existing local branch.',
        properties: { branch: TEXT },
        required: ['branch'],
        annotations: WRITE,
      },
      async (repo, a) => {
        await verifyRevision(repo, `refs/heads/${plain(a.branch, 'branch')}`, p.limits);
        return ['switch', '--no-guess', '--end-of-options', a.branch];
      },
    ),
    gitTool<Args & { revision: string }>(
      p,
      {
        name: 'merge',
        title: 'Fast-forward',
        description: 'Fast-forwards the current branch to a revision (no merge commits).',
        properties: { revision: TEXT },
        required: ['revision'],
        annotations: WRITE,
      },
      async (repo, a) => [
        'merge',
        '--ff-only',
        '--no-edit',
        await verifyRevision(repo, a.revision, p.limits),
      ],
    ),
    gitTool<Args & { name: string; revision?: string; message?: string }>(
      p,
      {
        name: 'tag_create',
        title: 'Tag',
        description: 'A tag at a revision (annotated when a message is given).',
        properties: { name: TEXT, revision: TEXT, message: TEXT },
        required: ['name'],
        annotations: WRITE,
      },
      async (repo, a) => [
        'tag',
        ...(a.message ? ['-m', a.message] : []),
        '--end-of-options',
        await checkRefName(repo, a.name, p.limits),
        await verifyRevision(repo, a.revision ?? 'HEAD', p.limits),
      ],
    ),
    gitTool<Args & { action: 'push' | 'pop' | 'apply' | 'drop'; message?: string }>(
      p,
      {
        name: 'stash',
        title: 'Stash',
        description: 'push, pop, apply or drop the latest stash.',
        properties: { action: { enum: ['push', 'pop', 'apply', 'drop'] }, message: TEXT },
        required: ['action'],
        annotations: { ...WRITE, destructiveHint: true },
      },
      async (_repo, a) => ['stash', a.action, ...(a.action === 'push' && a.message ? ['-m', a.message] : [])],
    ),
    gitTool<Args & { mode: 'soft' | 'mixed' | 'hard'; revision: string; confirmHard?: boolean }>(
      p,
      {
        name: 'reset',
        title: 'Reset',
        description:
          'Moves the current branch to a revision; `hard` also discards working-tree changes and needs `confirmHard`.',
        properties: {
          mode: { enum: ['soft', 'mixed', 'hard'] },
          revision: TEXT,
          confirmHard: { type: 'boolean' },
        },
        required: ['mode', 'revision'],
        annotations: { ...WRITE, destructiveHint: true },
      },
      async (repo, a) => {
        if (a.mode === 'hard' && a.confirmHard !== true)
          throw new AccessDenied('reset --hard discards work: set confirmHard to true');
        return ['reset', `--${a.mode}`, await verifyRevision(repo, a.revision, p.limits)];
      },
    ),
  ];
}

const REMOTE: ToolAnnotations = {
  readOnlyHint: false,
  idempotentHint: false,
  destructiveHint: false,
  openWorldHint: true,
};

/**
 * The remote of a repository, checked against the policy at every use (its config may have changed),
 * in a repository with no settings of its own that could reroute or reconfigure the call.
 */
async function remoteUrl(
  p: GitProvider,
  policy: RemotePolicy,
  repo: Repo,
  remote = 'origin',
): Promise<string> {
  if (repo.networkOverrides.length > 0)
    throw new AccessDenied(
      `the repository's own settings would redirect remote calls (${repo.networkOverrides.join(', ')}); remove them first`,
    );
  const { stdout } = await git(
    repo.path,
    ['remote', 'get-url', '--end-of-options', plain(remote, 'remote')],
    p.limits,
    repo.filters,
  ).catch(() => {
    throw new AccessDenied(`no remote ${JSON.stringify(remote)}`);
  });
  return checkRemoteUrl(policy, stdout.trim());
}

export function remoteTools(p: GitProvider, policy: RemotePolicy) {
  const config = remoteConfig(policy);
  const run = (repo: Repo, args: string[]) => git(repo.path, args, p.limits, [...repo.filters, ...config]);
  return [
    defineTool<{ url: string; destination: string }>({
      name: 'clone',
      title: 'Clone',
      description:
        'Clones an allowed https (or ssh, when configured) repository into a new directory inside the roots.',
      inputSchema: {
        type: 'object',
        properties: { url: TEXT, destination: TEXT },
        required: ['url', 'destination'],
        additionalProperties: false,
      },
      annotations: REMOTE,
      async handler({ url, destination }) {
        const checked = checkRemoteUrl(policy, url);
        const target = await resolvePath({ roots: p.roots }, plain(destination, 'destination'), 'read');
        if (target.exists) throw new AccessDenied(`${destination} exists`);
        const parent = path.dirname(target.real);
        const result = await git(
          parent,
          ['clone', '--no-checkout', '--end-of-options', checked, path.basename(target.real)],
          p.limits,
          config,
        );
        // Check out only once the clone is ours: its config is then disarmed like any repository's.
        // An empty repository has nothing to check out; any other failure leaves no half clone.
        const repo = await openRepo(p.roots, target.real, p.limits);
        const empty = await git(repo.path, ['rev-parse', '--verify', '--quiet', 'HEAD'], p.limits).then(
          () => false,
          () => true,
        );
        if (!empty)
          await run(repo, ['checkout', '--quiet', 'HEAD']).catch(async (err) => {
            await rm(target.real, { recursive: true, force: true });
            throw err;
          });
        return text(result);
      },
    }),

    defineTool<Args & { remote?: string }>({
      name: 'fetch',
      title: 'Fetch',
      description: 'Fetches from an allowed remote (default origin).',
      inputSchema: {
        type: 'object',
        properties: { repo: REPO, remote: TEXT },
        required: ['repo'],
        additionalProperties: false,
      },
      annotations: REMOTE,
      async handler(a) {
        const repo = await openRepo(p.roots, a.repo, p.limits);
        const remote = a.remote ?? 'origin';
        const url = await remoteUrl(p, policy, repo, remote);
        return text(
          await run(repo, [
            'fetch',
            '--no-recurse-submodules',
            '--end-of-options',
            url,
            `+refs/heads/*:refs/remotes/${remote}/*`,
          ]),
        );
      },
    }),
    defineTool<Args & { remote?: string; branch: string }>({
      name: 'pull',
      title: 'Pull',
      description: 'Fetches a branch from an allowed remote and fast-forwards the current branch to it.',
      inputSchema: {
        type: 'object',
        properties: { repo: REPO, remote: TEXT, branch: TEXT },
        required: ['repo', 'branch'],
        additionalProperties: false,
      },
      annotations: REMOTE,
      async handler(a) {
        const repo = await openRepo(p.roots, a.repo, p.limits);
        const url = await remoteUrl(p, policy, repo, a.remote);
        await checkRefName(repo, a.branch, p.limits);
        return text(
          await run(repo, [
            'pull',
            '--ff-only',
            '--no-recurse-submodules',
            '--end-of-options',
            url,
            a.branch,
          ]),
        );
      },
    }),
    defineTool<Args & { remote?: string; branch: string; forceWithLease?: boolean }>({
      name: 'push',
      title: 'Push',
      description:
        'Pushes a branch to an allowed remote; forced only with a lease, and only when the operator allowed it.',
      inputSchema: {
        type: 'object',
        properties: { repo: REPO, remote: TEXT, branch: TEXT, forceWithLease: { type: 'boolean' } },
        required: ['repo', 'branch'],
        additionalProperties: false,
      },
      annotations: { ...REMOTE, destructiveHint: true },
      async handler(a) {
        if (a.forceWithLease && !policy.forcePush)
          throw new AccessDenied('forced pushes are not enabled (MCPFLEET_GIT_FORCE_PUSH)');
        const repo = await openRepo(p.roots, a.repo, p.limits);
        const url = await remoteUrl(p, policy, repo, a.remote);
        const branch = await checkRefName(repo, a.branch, p.limits);
        await verifyRevision(repo, `refs/heads/${branch}`, p.limits);
        const args = [
          'push',
          '--no-verify',
          ...(a.forceWithLease ? ['--force-with-lease'] : []),
          '--end-of-options',
          url,
          `refs/heads/${branch}:refs/heads/${branch}`,
        ];
        return text(await run(repo, args));
      },
    }),
  ];
}
