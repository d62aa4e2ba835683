import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import type { GitProvider } from '../context.js';
import { type Args, gitTool, repoPaths, TEXT } from '../git-tool.js';
import { openRepo, type Repo, verifyRevision } from '../repo.js';
import { plain } from '../run.js';

/** The verified commit of an optional revision argument, as a list to spread into git's arguments. */
async function optionalRevision(p: GitProvider, repo: Repo, value: unknown): Promise<string[]> {
  return value === undefined ? [] : [await verifyRevision(repo, String(value), p.limits)];
}

/** The repositories under the roots (two levels), only those every other tool would open. */
function repos(p: GitProvider) {
  return defineTool({
    name: 'repos',
    title: 'Repositories',
    description: 'The git repositories under the allowed roots (two levels deep).',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    annotations: READ_ONLY,
    async handler() {
      const found: string[] = [];
      for (const root of p.roots) {
        const candidates = [root.real];
        for (const entry of await readdir(root.real, { withFileTypes: true }).catch(() => [])) {
          if (entry.isDirectory()) candidates.push(path.join(root.real, entry.name));
        }
        for (const dir of candidates) {
          const admitted = await openRepo(p.roots, dir, p.limits).then(
            () => true,
            () => false,
          );
          if (admitted) found.push(dir);
        }
      }
      return {
        content: [{ type: 'text', text: found.join('\n') || '(none)' }],
        structuredContent: { repos: found },
      };
    },
  });
}

/** Tools that only list: no arguments but the repository. */
function listings(p: GitProvider) {
  const list = (name: string, title: string, description: string, args: string[]) =>
    gitTool(p, { name, title, description, properties: {}, annotations: READ_ONLY }, async () => args);
  return [
    list('status', 'Status', 'Branch and changed files (porcelain v2).', [
      'status',
      '--porcelain=v2',
      '--branch',
      '--ignore-submodules=all',
    ]),
    list('branch_list', 'Branches', 'Local branches.', [
      'branch',
      '--list',
      '--no-color',
      '--format=%(refname:short)%09%(objectname)%09%(HEAD)',
    ]),
    list('tag_list', 'Tags', 'Tags.', ['tag', '--list']),
    list('remote_list', 'Remotes', 'Configured remotes and their URLs.', ['remote', '-v']),
    list('reflog', 'Reflog', 'Recent movements of HEAD.', ['reflog', '--no-color', '-n', '50']),
    list('stash_list', 'Stashes', 'Saved stashes.', ['stash', 'list']),
  ];
}

/** Changes and commits: diff, log, show. */
function history(p: GitProvider) {
  return [
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
          paths: { type: 'array', items: TEXT, maxItems: 200 },
          context: { type: 'integer', minimum: 0, maximum: 50 },
        },
        annotations: READ_ONLY,
      },
      async (repo, a) => [
        'diff',
        '--no-ext-diff',
        '--no-textconv',
        '--ignore-submodules=all',
        '--no-color',
        `-U${a.context ?? 3}`,
        ...(a.staged ? ['--cached'] : []),
        ...(await optionalRevision(p, repo, a.from)),
        ...(await optionalRevision(p, repo, a.to)),
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
        annotations: READ_ONLY,
      },
      async (repo, a) => [
        'log',
        '--no-ext-diff',
        '--no-textconv',
        '--no-color',
        `--max-count=${a.maxCount ?? 20}`,
        '--format=%H%x09%an%x09%aI%x09%s',
        ...(a.since ? [`--since=${plain(a.since, 'since')}`] : []),
        ...(a.until ? [`--until=${plain(a.until, 'until')}`] : []),
        ...(await optionalRevision(p, repo, a.ref ?? 'HEAD')),
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
        annotations: READ_ONLY,
      },
      async (repo, a) => {
        const commit = await verifyRevision(repo, a.revision, p.limits);
        if (!a.path) return ['show', '--no-ext-diff', '--no-textconv', '--no-color', commit];
        const [file] = await repoPaths(repo, [a.path]);
        return ['show', '--no-textconv', `${commit}:${file}`];
      },
    ),
  ];
}

/** Per-line questions about committed or staged content: blame, grep. */
function search(p: GitProvider) {
  return [
    // Both read what git stored (a commit, the index), never the working tree, so a directory
    // of the working tree that is a link out of the roots cannot lead them there.
    gitTool<Args & { path: string; revision?: string; start?: number; end?: number }>(
      p,
      {
        name: 'blame',
        title: 'Blame',
        description:
          'Who last changed each line of a file as committed at a revision (default HEAD), optionally for a line range.',
        properties: {
          path: TEXT,
          revision: TEXT,
          start: { type: 'integer', minimum: 1 },
          end: { type: 'integer', minimum: 1 },
        },
        required: ['path'],
        annotations: READ_ONLY,
      },
      async (repo, a) => [
        'blame',
        '--porcelain',
        '--no-textconv',
        ...(a.start ? [`-L${a.start},${a.end ?? a.start}`] : []),
        await verifyRevision(repo, a.revision ?? 'HEAD', p.limits),
        '--',
        ...(await repoPaths(repo, [a.path])),
      ],
    ),
    gitTool<Args & { pattern: string; ignoreCase?: boolean; revision?: string }>(
      p,
      {
        name: 'grep',
        title: 'Grep',
        description:
          'Lines matching an extended regular expression in the staged (index) content of tracked files, or in a revision.',
        properties: { pattern: TEXT, ignoreCase: { type: 'boolean' }, revision: TEXT },
        required: ['pattern'],
        annotations: READ_ONLY,
      },
      async (repo, a) => [
        'grep',
        '-n',
        '-E',
        '--no-color',
        '--no-textconv',
        ...(a.ignoreCase ? ['-i'] : []),
        '-e',
        a.pattern,
        ...(a.revision ? [await verifyRevision(repo, a.revision, p.limits)] : ['--cached']),
        '--',
      ],
    ),
  ];
}

export function readTools(p: GitProvider) {
  return [repos(p), ...listings(p), ...history(p), ...search(p)];
}
