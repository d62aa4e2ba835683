import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { defineTool, type ToolAnnotations } from '@mcp-fleet/sdk';
import { type FsProvider, readFileChecked, resolveFor } from '../context.js';
import { compileGlob } from '../glob.js';
import { mediaType } from '../mime.js';
import { within } from '../roots.js';
import { walk } from '../walk.js';

export const READ: ToolAnnotations = {
  readOnlyHint: true,
  idempotentHint: true,
  destructiveHint: false,
  openWorldHint: false,
};
const PATH = {
  type: 'string',
  minLength: 1,
  maxLength: 4096,
  description: 'Absolute, or relative to the first root',
};
const ONE_PATH = {
  type: 'object',
  properties: { path: PATH },
  required: ['path'],
  additionalProperties: false,
};

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

export const listRoots = (p: FsProvider) =>
  defineTool({
    name: 'list_roots',
    title: 'Allowed roots',
    description: 'The directories this provider may touch, and which of them are writable.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    annotations: READ,
    handler: () => {
      const roots = p.roots.map((r) => ({ path: r.given, writable: r.writable }));
      return {
        content: [
          {
            type: 'text',
            text: roots.map((r) => `${r.path} (${r.writable ? 'read-write' : 'read-only'})`).join('\n'),
          },
        ],
        structuredContent: { roots },
      };
    },
  });

export const readText = (p: FsProvider) =>
  defineTool<{
    path: string;
    offset?: number;
    limit?: number;
    head?: number;
    tail?: number;
    encoding?: BufferEncoding;
  }>({
    name: 'read_text',
    title: 'Read a text file',
    description:
      'A text file, whole or in part: `offset`/`limit` in lines, or the first `head` / last `tail` lines.',
    inputSchema: {
      type: 'object',
      properties: {
        path: PATH,
        offset: { type: 'integer', minimum: 0 },
        limit: { type: 'integer', minimum: 1 },
        head: { type: 'integer', minimum: 1 },
        tail: { type: 'integer', minimum: 1 },
        encoding: { enum: ['utf8', 'latin1', 'ascii', 'utf16le'], default: 'utf8' },
      },
      required: ['path'],
      additionalProperties: false,
    },
    annotations: READ,
    async handler({ path: input, offset, limit, head, tail, encoding = 'utf8' }, ctx) {
      const data = await readFileChecked(p, await resolveFor(p, ctx, input, 'read'), input);
      const text = data.toString(encoding);
      if (offset === undefined && limit === undefined && head === undefined && tail === undefined)
        return text;
      const lines = text.split('\n');
      const picked =
        head !== undefined
          ? lines.slice(0, head)
          : tail !== undefined
            ? lines.slice(-tail)
            : lines.slice(offset ?? 0, limit === undefined ? undefined : (offset ?? 0) + limit);
      return picked.join('\n');
    },
  });

export const readMedia = (p: FsProvider) =>
  defineTool<{ path: string }>({
    name: 'read_media',
    title: 'Read an image or audio file',
    description: 'An image or audio file as base64 content with its media type.',
    inputSchema: ONE_PATH,
    annotations: READ,
    async handler({ path: input }, ctx) {
      const mimeType = mediaType(input);
      if (!mimeType) throw new Error(`${input} is not an image or audio file this provider knows`);
      const data = (await readFileChecked(p, await resolveFor(p, ctx, input, 'read'), input)).toString(
        'base64',
      );
      return {
        content: [
          mimeType.startsWith('image/')
            ? { type: 'image', data, mimeType }
            : { type: 'audio', data, mimeType },
        ],
      };
    },
  });

export const readMany = (p: FsProvider) =>
  defineTool<{ paths: string[] }>({
    name: 'read_many',
    title: 'Read several text files',
    description: 'Several text files at once; each gets its content or its own error.',
    inputSchema: {
      type: 'object',
      properties: { paths: { type: 'array', items: PATH, minItems: 1, maxItems: 100 } },
      required: ['paths'],
      additionalProperties: false,
    },
    annotations: READ,
    async handler({ paths }, ctx) {
      const files = await Promise.all(
        paths.map(async (input) => {
          try {
            return {
              path: input,
              text: (await readFileChecked(p, await resolveFor(p, ctx, input, 'read'), input)).toString(
                'utf8',
              ),
            };
          } catch (err) {
            return { path: input, error: (err as Error).message };
          }
        }),
      );
      const text = files
        .map((f) => `== ${f.path}\n${'error' in f ? `error: ${f.error}` : f.text}`)
        .join('\n\n');
      return { content: [{ type: 'text', text }], structuredContent: { files } };
    },
  });

export const stat = (p: FsProvider) =>
  defineTool<{ path: string }>({
    name: 'stat',
    title: 'File information',
    description: 'Type, size, times and permissions of a path, without following a final symbolic link.',
    inputSchema: ONE_PATH,
    annotations: READ,
    async handler({ path: input }, ctx) {
      // The parent is resolved; the final component is looked at as it is (lstat).
      const parent = await resolveFor(p, ctx, path.dirname(input), 'read');
      const target = path.join(parent.real, path.basename(input));
      if (!within(parent.root.real, target)) throw new Error(`${input} is outside the allowed roots`);
      const info = await lstat(target).catch(() => undefined);
      if (!info) throw new Error(`${input} does not exist`);
      const result = {
        path: input,
        type: info.isSymbolicLink()
          ? 'symlink'
          : info.isDirectory()
            ? 'directory'
            : info.isFile()
              ? 'file'
              : 'other',
        size: info.size,
        mode: `0${(info.mode & 0o777).toString(8)}`,
        links: info.nlink,
        modified: info.mtime.toISOString(),
        created: info.birthtime.toISOString(),
      };
      return {
        content: [{ type: 'text', text: JSON.stringify(result, null, 2) }],
        structuredContent: result,
      };
    },
  });

const LIST_SORT = { enum: ['name', 'size', 'modified'], default: 'name' };

export const list = (p: FsProvider) =>
  defineTool<{ path: string; sort?: 'name' | 'size' | 'modified' }>({
    name: 'list',
    title: 'List a directory',
    description: 'Entries of one directory with type, size and modification time.',
    inputSchema: {
      type: 'object',
      properties: { path: PATH, sort: LIST_SORT },
      required: ['path'],
      additionalProperties: false,
    },
    annotations: READ,
    async handler({ path: input, sort = 'name' }, ctx) {
      const dir = await resolveFor(p, ctx, input, 'read');
      const { entries } = await walk(dir.real, { maxDepth: 1, maxEntries: 10_000, exclude: [] });
      const rows = entries.map(({ relative, type, size, modified }) => ({
        name: relative,
        type,
        size,
        modified,
      }));
      if (sort === 'size') rows.sort((a, b) => b.size - a.size);
      if (sort === 'modified') rows.sort((a, b) => b.modified.localeCompare(a.modified));
      const text = rows
        .map(
          (r) =>
            `${r.type === 'directory' ? 'd' : r.type === 'symlink' ? 'l' : '-'} ${String(r.size).padStart(10)} ${r.name}`,
        )
        .join('\n');
      return { content: [{ type: 'text', text: text || '(empty)' }], structuredContent: { entries: rows } };
    },
  });

const GLOBS = { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 50 };

export const tree = (p: FsProvider) =>
  defineTool<{ path: string; maxDepth?: number; maxEntries?: number; exclude?: string[] }>({
    name: 'tree',
    title: 'Directory tree',
    description: 'A directory tree to a depth, capped in entries, without entering symbolic links.',
    inputSchema: {
      type: 'object',
      properties: {
        path: PATH,
        maxDepth: { type: 'integer', minimum: 1, maximum: 20, default: 3 },
        maxEntries: { type: 'integer', minimum: 1, maximum: 10_000, default: 500 },
        exclude: GLOBS,
      },
      required: ['path'],
      additionalProperties: false,
    },
    annotations: READ,
    async handler({ path: input, maxDepth = 3, maxEntries = 500, exclude = [] }, ctx) {
      const dir = await resolveFor(p, ctx, input, 'read');
      const { entries, truncated } = await walk(dir.real, {
        maxDepth,
        maxEntries,
        exclude: exclude.map(compileGlob),
      });
      const text = entries
        .map(
          (e) =>
            `${'  '.repeat(e.depth - 1)}${path.basename(e.relative)}${e.type === 'directory' ? '/' : e.type === 'symlink' ? ' ->' : ''}`,
        )
        .join('\n');
      return {
        content: [{ type: 'text', text: `${text}${truncated ? '\n(truncated)' : ''}` }],
        structuredContent: {
          entries: entries.map(({ relative, type, size }) => ({ path: relative, type, size })),
          truncated,
        },
      };
    },
  });

export const find = (p: FsProvider) =>
  defineTool<{ path: string; pattern: string; exclude?: string[]; maxResults?: number }>({
    name: 'find',
    title: 'Find files by glob',
    description: 'Paths under a directory matching a glob (`**`, `*`, `?`), relative to that directory.',
    inputSchema: {
      type: 'object',
      properties: {
        path: PATH,
        pattern: { type: 'string', minLength: 1 },
        exclude: GLOBS,
        maxResults: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 },
      },
      required: ['path', 'pattern'],
      additionalProperties: false,
    },
    annotations: READ,
    async handler({ path: input, pattern, exclude = [], maxResults = 1000 }, ctx) {
      const matches = compileGlob(pattern);
      const dir = await resolveFor(p, ctx, input, 'read');
      const { entries, truncated } = await walk(dir.real, {
        maxDepth: 50,
        maxEntries: 100_000,
        exclude: exclude.map(compileGlob),
      });
      const found = entries
        .filter((e) => matches(e.relative))
        .slice(0, maxResults)
        .map((e) => e.relative);
      return {
        content: [{ type: 'text', text: found.join('\n') || '(no match)' }],
        structuredContent: { matches: found, truncated },
      };
    },
  });

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
    description:
      'Lines matching a regular expression in the files under a directory, with context lines, capped in matches and bytes scanned.',
    inputSchema: {
      type: 'object',
      properties: {
        path: PATH,
        pattern: { type: 'string', minLength: 1, maxLength: 1000 },
        include: { type: 'string', description: 'glob of files to search, e.g. **/*.ts' },
        ignoreCase: { type: 'boolean' },
        context: { type: 'integer', minimum: 0, maximum: 10, default: 0 },
        maxMatches: { type: 'integer', minimum: 1, maximum: 10_000, default: 200 },
      },
      required: ['path', 'pattern'],
      additionalProperties: false,
    },
    annotations: READ,
    async handler({ path: input, pattern, include, ignoreCase = false, context = 0, maxMatches = 200 }, ctx) {
      let regexp: RegExp;
      try {
        regexp = new RegExp(pattern, ignoreCase ? 'i' : '');
      } catch (err) {
        throw new Error(`invalid regular expression: ${(err as Error).message}`);
      }
      const only = include ? compileGlob(include) : () => true;
      const dir = await resolveFor(p, ctx, input, 'read');
      const { entries } = await walk(dir.real, { maxDepth: 50, maxEntries: 100_000, exclude: [] });
      const matches: { path: string; line: number; text: string; before: string[]; after: string[] }[] = [];
      let scanned = 0;
      let truncated = false;
      for (const entry of entries) {
        if (entry.type !== 'file' || !only(entry.relative) || entry.size > p.maxRead) continue;
        if (scanned + entry.size > p.maxRead * 10) {
          truncated = true;
          break;
        }
        const resolved = await resolveFor(p, ctx, entry.absolute, 'read').catch(() => undefined);
        const data = resolved
          ? await readFileChecked(p, resolved, entry.relative).catch(() => undefined)
          : undefined;
        if (!data || data.includes(0)) continue;
        scanned += data.length;
        const lines = data.toString('utf8').split('\n');
        for (let i = 0; i < lines.length; i++) {
          // Very long lines are skipped: a regular expression on them could run for ever.
          if ((lines[i] as string).length > 10_000 || !regexp.test(lines[i] as string)) continue;
          matches.push({
            path: entry.relative,
            line: i + 1,
            text: lines[i] as string,
            before: lines.slice(Math.max(0, i - context), i),
            after: lines.slice(i + 1, i + 1 + context),
          });
          if (matches.length >= maxMatches) {
            truncated = true;
            break;
          }
        }
        if (truncated) break;
      }
      const text = matches.map((m) => `${m.path}:${m.line}: ${m.text}`).join('\n');
      return {
        content: [{ type: 'text', text: text || '(no match)' }],
        structuredContent: { matches, truncated },
      };
    },
  });
