import path from 'node:path';
import { resolvePath } from '@mcp-fleet/path-guard';
import { defineTool, type HandlerContext, type ToolAnnotations } from '@mcp-fleet/sdk';
import type { GitProvider } from './context.js';
import { openRepo, type Repo } from './repo.js';
import { git, plain } from './run.js';

export const REPO = {
  type: 'string',
  minLength: 1,
  description: 'path of the repository, inside the allowed roots',
};
export const TEXT = { type: 'string', minLength: 1, maxLength: 4096 };
export const PATHS = { type: 'array', items: TEXT, maxItems: 200 };

/** Paths inside the repository, as git wants them after `--`: relative, realpath-checked. */
export async function repoPaths(repo: Repo, paths: string[] = []): Promise<string[]> {
  const scope = { roots: [{ given: repo.path, real: repo.path, writable: true }] };
  const out: string[] = [];
  for (const p of paths) {
    const resolved = await resolvePath(scope, plain(p, 'path'), 'read');
    out.push(path.relative(repo.path, resolved.real) || '.');
  }
  return out;
}

/** A tool result: git's output as text, and as structured content. */
export function text(result: { stdout: string; truncated: boolean }) {
  const body = result.stdout || '(nothing)';
  return {
    content: [{ type: 'text' as const, text: result.truncated ? `${body}\n(output truncated)` : body }],
    structuredContent: { output: result.stdout, truncated: result.truncated },
  };
}

export type Args = Record<string, unknown> & { repo: string };

/** What `build` returns: git's arguments, and settings or input for that one run. */
export type Run = string[] | { args: string[]; config?: string[]; input?: string };

/** A tool on one repository: its arguments besides `repo`. */
export interface ToolSpec {
  name: string;
  title: string;
  description: string;
  properties: Record<string, unknown>;
  required?: string[];
  annotations: ToolAnnotations;
}

/** A tool that opens the repository safely (see openRepo), then runs what `build` asks of git. */
export function gitTool<A extends Args>(
  p: GitProvider,
  spec: ToolSpec,
  build: (repo: Repo, args: A, ctx: HandlerContext) => Promise<Run>,
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
    async handler(args, ctx) {
      const limits = { ...p.limits, signal: ctx.signal };
      const repo = await openRepo(p.roots, args.repo, limits);
      const run = await build(repo, args, ctx);
      const { args: gitArgs, config, input } = Array.isArray(run) ? { args: run } : run;
      return text(await git(repo.path, gitArgs, limits, config, input));
    },
  });
}
