import { INTENT, locate } from '@mcp-fleet/path-guard';
import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import { type FsProvider, scopeOf } from '../context.js';
import { readLocated } from '../files.js';
import { compileGlob, MAX_GLOB } from '../glob.js';
import { type LineMatch, LineMatcher, MatchingStopped } from '../matcher.js';
import { compilePattern, SYNTAX_NOTE } from '../pattern.js';
import type { Entry } from '../walk.js';
import { GLOBS, PATH, walkFrom } from './read.js';

/** Most files one grep reads. */
const MAX_FILES = 10_000;
/** Most bytes one grep reads, in files of the read limit. */
const BYTES_IN_READ_LIMITS = 10;
/** A line whose estimated matching cost is higher is skipped and counted, the rest still searched. */
const MAX_LINE_WORK = 1e7;
/** How long one grep may match, unless the provider says otherwise: then it ends with what it found. */
export const GREP_DEADLINE_MS = 10_000;

export const find = (p: FsProvider) =>
  defineTool<{ path: string; pattern: string; exclude?: string[]; maxResults?: number }>({
    name: 'find',
    title: 'Find files by glob',
    description:
      'Paths under a directory matching a glob, relative to that directory: `**` as a whole segment spans directories, `*` and `?` match within one name, the rest is literal. Looks at 100,000 names at most.',
    inputSchema: {
      type: 'object',
      properties: {
        path: PATH,
        pattern: { type: 'string', minLength: 1, maxLength: MAX_GLOB },
        exclude: GLOBS,
        maxResults: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 },
      },
      required: ['path', 'pattern'],
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    async handler({ path: input, pattern, exclude = [], maxResults = 1000 }, ctx) {
      const matches = compileGlob(pattern);
      const { entries, truncated } = await walkFrom(p, ctx, input, {
        maxDepth: 50,
        maxEntries: maxResults,
        exclude: exclude.map(compileGlob),
        keep: (e) => matches(e.relative),
      });
      const found = entries.map((e) => e.relative);
      return {
        content: [{ type: 'text', text: found.join('\n') || '(no match)' }],
        structuredContent: { matches: found, truncated },
      };
    },
  });

interface Match extends LineMatch {
  path: string;
}

interface Scan {
  matches: Match[];
  stoppedBy?: 'matches' | 'bytes' | 'time' | 'files';
  skippedLines: number;
}

interface ScanOptions {
  matcher: LineMatcher;
  maxMatches: number;
  maxBytes: number;
  signal: AbortSignal;
  read(file: Entry): Promise<Buffer | undefined>;
}

/**
 * Searches files within bounds on bytes and matches. Files are read here (each through the
 * containment check); their lines are matched by the worker, which stops at the deadline.
 */
async function scan(files: Entry[], o: ScanOptions): Promise<Scan> {
  const found: Scan = { matches: [], skippedLines: 0 };
  let bytes = 0;
  for (const file of files) {
    o.signal.throwIfAborted();
    if (bytes + file.size > o.maxBytes) return { ...found, stoppedBy: 'bytes' };
    const data = await o.read(file);
    if (!data || data.includes(0)) continue;
    bytes += data.length;
    const most = o.maxMatches - found.matches.length;
    const result = await o.matcher.search({ text: data.toString('utf8'), most }).catch((err) => {
      if (err instanceof MatchingStopped) return undefined;
      throw err;
    });
    if (!result) return { ...found, stoppedBy: 'time' };
    found.skippedLines += result.skipped;
    found.matches.push(...result.matches.map((m) => ({ path: file.relative, ...m })));
    if (found.matches.length >= o.maxMatches) return { ...found, stoppedBy: 'matches' };
  }
  return found;
}

export const grep = (p: FsProvider) =>
  defineTool<{
    path: string;
    pattern: string;
    include?: string;
    ignoreCase?: boolean;
    context?: number;
    maxMatches?: number;
  }>({
    name: 'grep',
    title: 'Search file contents',
    description: `Lines matching a regular expression in the files under a directory, with context lines, capped in files, bytes, matching time and matches. Patterns use ${SYNTAX_NOTE}`,
    inputSchema: {
      type: 'object',
      properties: {
        path: PATH,
        pattern: { type: 'string', minLength: 1, maxLength: 1000 },
        include: {
          type: 'string',
          maxLength: MAX_GLOB,
          description: 'glob of files to search, e.g. **/*.ts',
        },
        ignoreCase: { type: 'boolean' },
        context: { type: 'integer', minimum: 0, maximum: 10, default: 0 },
        maxMatches: { type: 'integer', minimum: 1, maximum: 10_000, default: 200 },
      },
      required: ['path', 'pattern'],
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    async handler({ path: input, pattern, include, ignoreCase = false, context = 0, maxMatches = 200 }, ctx) {
      // Compiled here first: a pattern RE2 cannot run is refused as invalid params before any work.
      compilePattern(pattern, ignoreCase);
      const only = include ? compileGlob(include) : () => true;
      const scope = await scopeOf(p, ctx);
      const { entries, truncated } = await walkFrom(p, ctx, input, {
        maxDepth: 50,
        maxEntries: MAX_FILES,
        exclude: [],
        keep: (e) => e.type === 'file' && e.size <= p.maxRead && only(e.relative),
      });
      const matcher = new LineMatcher(
        { pattern, ignoreCase, context, maxLineWork: MAX_LINE_WORK },
        p.grepDeadlineMs ?? GREP_DEADLINE_MS,
        ctx.signal,
      );
      const result = await scan(entries, {
        matcher,
        maxMatches,
        maxBytes: p.maxRead * BYTES_IN_READ_LIMITS,
        signal: ctx.signal,
        // Each file is located and opened like any read: its descriptor passes the containment check.
        read: (file) =>
          locate(scope, file.absolute, INTENT.read)
            .then((place) => readLocated(place, p.maxRead))
            .catch(() => undefined),
      }).finally(() => matcher.close());
      const stoppedBy = result.stoppedBy ?? (truncated ? 'files' : undefined);
      const text = result.matches.map((m) => `${m.path}:${m.line}: ${m.text}`).join('\n');
      return {
        content: [{ type: 'text', text: text || '(no match)' }],
        structuredContent: {
          matches: result.matches,
          truncated: stoppedBy !== undefined,
          ...(stoppedBy ? { stoppedBy } : {}),
          skippedLines: result.skippedLines,
        },
      };
    },
  });
