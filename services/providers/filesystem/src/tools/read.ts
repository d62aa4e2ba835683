import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { INTENT } from '@mcp-fleet/path-guard';
import { defineTool, type HandlerContext, READ_ONLY } from '@mcp-fleet/sdk';
import { describeFsError } from '../anchor.js';
import { type FsProvider, locateFor } from '../context.js';
import { entryNow, inParent, readLocated } from '../files.js';
import { compileGlob, MAX_GLOB } from '../glob.js';
import { mediaType } from '../mime.js';
import { type WalkOptions, walk } from '../walk.js';

export const PATH = {
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
    annotations: READ_ONLY,
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
    annotations: READ_ONLY,
    async handler({ path: input, offset, limit, head, tail, encoding = 'utf8' }, ctx) {
      const data = await readLocated(await locateFor(p, ctx, input, INTENT.read), p.maxRead);
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
    annotations: READ_ONLY,
    async handler({ path: input }, ctx) {
      const mimeType = mediaType(input);
      if (!mimeType) throw new Error(`${input} is not an image or audio file this provider knows`);
      const data = (await readLocated(await locateFor(p, ctx, input, INTENT.read), p.maxRead)).toString(
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
    description:
      'Several text files at once; each gets its content or its own error. Together they may hold at most the read limit of one file.',
    inputSchema: {
      type: 'object',
      properties: { paths: { type: 'array', items: PATH, minItems: 1, maxItems: 100 } },
      required: ['paths'],
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    async handler({ paths }, ctx) {
      // One read cap for the whole call, not one per file: 100 paths must not load 100 × the cap.
      let left = p.maxRead;
      const files: ({ path: string; text: string } | { path: string; error: string })[] = [];
      for (const input of paths) {
        try {
          const place = await locateFor(p, ctx, input, INTENT.read);
          const data = await readLocated(place, left, "what is left of read_many's total limit");
          left -= data.length;
          files.push({ path: input, text: data.toString('utf8') });
        } catch (err) {
          files.push({ path: input, error: (err as Error).message });
        }
      }
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
    annotations: READ_ONLY,
    async handler({ path: input }, ctx) {
      // The name itself is looked at (lstat), through the directory holding it, held open.
      const place = await locateFor(p, ctx, input, INTENT.inspect);
      const info =
        place.parent === undefined
          ? await lstat(place.real)
          : await inParent(place, (dir) => entryNow(dir, place.name));
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

/** Walks the directory a caller named, after the containment check; fs errors are about their path. */
export async function walkFrom(
  p: FsProvider,
  ctx: HandlerContext,
  input: string,
  options: Omit<WalkOptions, 'signal'>,
) {
  const dir = await locateFor(p, ctx, input, INTENT.read);
  if (!dir.exists) throw new Error(`${input} does not exist`);
  return walk(dir.real, { ...options, signal: ctx.signal }).catch((err) => {
    throw describeFsError(err, input);
  });
}

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
    annotations: READ_ONLY,
    async handler({ path: input, sort = 'name' }, ctx) {
      const { entries, truncated } = await walkFrom(p, ctx, input, {
        maxDepth: 1,
        maxEntries: 10_000,
        exclude: [],
      });
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
      return {
        content: [{ type: 'text', text: `${text || '(empty)'}${truncated ? '\n(truncated)' : ''}` }],
        structuredContent: { entries: rows, truncated },
      };
    },
  });

export const GLOBS = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: MAX_GLOB },
  maxItems: 50,
};

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
    annotations: READ_ONLY,
    async handler({ path: input, maxDepth = 3, maxEntries = 500, exclude = [] }, ctx) {
      const { entries, truncated } = await walkFrom(p, ctx, input, {
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
