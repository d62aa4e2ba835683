import { AccessDenied } from '@mcp-fleet/path-guard';
import { DESTRUCTIVE, type HandlerContext, WRITE } from '@mcp-fleet/sdk';
import type { GitProvider } from '../context.js';
import { type Args, gitTool, PATHS, repoPaths, TEXT } from '../git-tool.js';
import { checkRefName, verifyRevision } from '../repo.js';
import { plain } from '../run.js';

/** Who commits and tags: the caller under the operator's domain, or the provider itself. */
function identity(p: GitProvider, ctx: HandlerContext): string[] {
  return p.authorDomain
    ? [`user.name=${ctx.identity.subject}`, `user.email=${ctx.identity.subject}@${p.authorDomain}`]
    : ['user.name=MCP Fleet', 'user.email=mcp-fleet@localhost'];
}

/** The index and commits: add, restore, commit. */
function staging(p: GitProvider) {
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
        annotations: DESTRUCTIVE,
      },
      async (repo, a) => [
        'restore',
        ...(a.staged ? ['--staged'] : []),
        '--',
        ...(await repoPaths(repo, a.paths)),
      ],
    ),
    gitTool<Args & { message: string; amend?: boolean }>(
      p,
      {
        name: 'commit',
        title: 'Commit',
        description: 'Commits what is staged. `amend` rewrites the last commit.',
        properties: { message: TEXT, amend: { type: 'boolean' } },
        required: ['message'],
        annotations: WRITE,
      },
      async (_repo, a, ctx) => ({
        args: ['commit', '--no-verify', '--no-gpg-sign', '--file=-', ...(a.amend ? ['--amend'] : [])],
        config: identity(p, ctx),
        input: a.message,
      }),
    ),
  ];
}

/** Branches and tags: branch_create, checkout, merge (fast-forward), tag_create. */
function refs(p: GitProvider) {
  return [
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
        return ['switch', '--quiet', '--no-guess', '--end-of-options', a.branch];
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
        '--quiet',
        '--ff-only',
        '--no-edit',
        '--no-verify-signatures',
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
      // `-a` as well: git signs an annotated tag made with `-m` alone when tag.forceSignAnnotated is set.
      async (repo, a, ctx) => ({
        args: [
          'tag',
          '--no-sign',
          ...(a.message ? ['-a', '-m', a.message] : []),
          '--end-of-options',
          await checkRefName(repo, a.name, p.limits),
          await verifyRevision(repo, a.revision ?? 'HEAD', p.limits),
        ],
        config: identity(p, ctx),
      }),
    ),
  ];
}

/** Setting work aside or back: stash, reset. */
function undo(p: GitProvider) {
  return [
    gitTool<Args & { action: 'push' | 'pop' | 'apply' | 'drop'; message?: string }>(
      p,
      {
        name: 'stash',
        title: 'Stash',
        description: 'push, pop, apply or drop the latest stash.',
        properties: { action: { enum: ['push', 'pop', 'apply', 'drop'] }, message: TEXT },
        required: ['action'],
        annotations: DESTRUCTIVE,
      },
      async (_repo, a) => [
        'stash',
        a.action,
        '--quiet',
        ...(a.action === 'push' && a.message ? ['-m', a.message] : []),
      ],
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
        annotations: DESTRUCTIVE,
      },
      async (repo, a) => {
        if (a.mode === 'hard' && a.confirmHard !== true)
          throw new AccessDenied('reset --hard discards work: set confirmHard to true');
        return ['reset', '--quiet', `--${a.mode}`, await verifyRevision(repo, a.revision, p.limits)];
      },
    ),
  ];
}

export function writeTools(p: GitProvider) {
  return [...staging(p), ...refs(p), ...undo(p)];
}
