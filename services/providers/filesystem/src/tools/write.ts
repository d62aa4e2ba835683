import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { defineTool, type HandlerContext, type ToolAnnotations } from '@mcp-fleet/sdk';
import { type FsProvider, readFileChecked, resolveFor } from '../context.js';
import { unifiedDiff } from '../diff.js';
import { AccessDenied, openRegular, type Resolved } from '../resolve.js';
import { sha256 } from './read.js';

const WRITE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: false,
};
const PATH = { type: 'string', minLength: 1, maxLength: 4096 };
const FROM_TO = {
  type: 'object',
  properties: { from: PATH, to: PATH, overwrite: { type: 'boolean' } },
  required: ['from', 'to'],
  additionalProperties: false,
};

/** The path as it may be written: an existing target must be a plain file, never a link. */
async function writableTarget(p: FsProvider, ctx: HandlerContext, input: string): Promise<Resolved> {
  const target = await resolveFor(p, ctx, input, 'write');
  const info = await lstat(target.real).catch(() => undefined);
  if (info && !info.isFile()) throw new AccessDenied(`${input} is not a regular file`);
  if (info && info.nlink > 1) throw new AccessDenied(`${input} has several hard links: refused`);
  return target;
}

/**
 * Atomic replace: the content goes to a new file created exclusively (O_EXCL, O_NOFOLLOW) next to
 * the target, is flushed, then renamed over it. A symlink planted at the target is replaced, never
 * followed; readers see the old or the new file, never half of one.
 */
async function atomicWrite(target: Resolved, data: Buffer): Promise<void> {
  const temp = {
    ...target,
    real: path.join(
      path.dirname(target.real),
      `.${path.basename(target.real)}.${randomBytes(6).toString('hex')}.tmp`,
    ),
    exists: false,
  };
  const handle = await openRegular(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp.real).catch(() => {});
    throw err;
  }
  await handle.close();
  await rename(temp.real, target.real).catch(async (err) => {
    await unlink(temp.real).catch(() => {});
    throw err;
  });
}

export const write = (p: FsProvider) =>
  defineTool<{ path: string; content: string; expectedSha256?: string }>({
    name: 'write',
    title: 'Write a file',
    description:
      'Creates or replaces a text file atomically. With `expectedSha256`, the write happens only if the file still has that content (no lost updates).',
    inputSchema: {
      type: 'object',
      properties: {
        path: PATH,
        content: { type: 'string' },
        expectedSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      },
      required: ['path', 'content'],
      additionalProperties: false,
    },
    annotations: WRITE,
    async handler({ path: input, content, expectedSha256 }, ctx) {
      const data = Buffer.from(content, 'utf8');
      if (data.length > p.maxWrite)
        throw new Error(`content is ${data.length} bytes, over the write limit of ${p.maxWrite}`);
      const target = await writableTarget(p, ctx, input);
      if (expectedSha256 !== undefined) {
        const current = target.exists ? sha256(await readFileChecked(p, target, input)) : undefined;
        if (current !== expectedSha256)
          throw new Error(
            `${input} changed since it was read (sha256 ${current ?? 'none'}): nothing written`,
          );
      }
      await atomicWrite(target, data);
      return {
        content: [{ type: 'text', text: `wrote ${data.length} bytes to ${input}` }],
        structuredContent: { path: input, bytes: data.length, sha256: sha256(data) },
      };
    },
  });

interface Edit {
  oldText: string;
  newText: string;
  replaceAll?: boolean;
}

/** Applies exact-text edits in order; every edit must match once (or at least once with replaceAll). */
export function applyEdits(original: string, edits: Edit[]): string {
  // A CRLF file is edited with LF edits as if they were CRLF, and stays CRLF.
  const crlf = original.includes('\r\n');
  const eol = (text: string) => (crlf && !text.includes('\r\n') ? text.replace(/\n/g, '\r\n') : text);
  let text = original;
  edits.forEach((edit, i) => {
    const oldText = eol(edit.oldText);
    const count = oldText === '' ? 0 : text.split(oldText).length - 1;
    if (count === 0) throw new Error(`edit ${i}: oldText not found`);
    if (count > 1 && !edit.replaceAll)
      throw new Error(`edit ${i}: oldText matches ${count} times; make it unique or set replaceAll`);
    text = edit.replaceAll
      ? text.split(oldText).join(eol(edit.newText))
      : text.replace(oldText, () => eol(edit.newText));
  });
  return text;
}

export const edit = (p: FsProvider) =>
  defineTool<{ path: string; edits: Edit[]; dryRun?: boolean }>({
    name: 'edit',
    title: 'Edit a file',
    description: 'Replaces exact text in a file. `dryRun` returns the unified diff without writing.',
    inputSchema: {
      type: 'object',
      properties: {
        path: PATH,
        edits: {
          type: 'array',
          minItems: 1,
          maxItems: 100,
          items: {
            type: 'object',
            properties: {
              oldText: { type: 'string', minLength: 1 },
              newText: { type: 'string' },
              replaceAll: { type: 'boolean' },
            },
            required: ['oldText', 'newText'],
            additionalProperties: false,
          },
        },
        dryRun: { type: 'boolean' },
      },
      required: ['path', 'edits'],
      additionalProperties: false,
    },
    annotations: WRITE,
    async handler({ path: input, edits, dryRun = false }, ctx) {
      const target = await writableTarget(p, ctx, input);
      const before = (await readFileChecked(p, target, input)).toString('utf8');
      const after = applyEdits(before, edits);
      const diff = unifiedDiff(input, before, after);
      if (!dryRun) await atomicWrite(target, Buffer.from(after, 'utf8'));
      return {
        content: [{ type: 'text', text: diff || '(no change)' }],
        structuredContent: { diff, written: !dryRun },
      };
    },
  });

export const makeDirectory = (p: FsProvider) =>
  defineTool<{ path: string }>({
    name: 'mkdir',
    title: 'Create a directory',
    description: 'Creates a directory and any missing parents.',
    inputSchema: {
      type: 'object',
      properties: { path: PATH },
      required: ['path'],
      additionalProperties: false,
    },
    annotations: { ...WRITE, destructiveHint: false, idempotentHint: true },
    async handler({ path: input }, ctx) {
      const target = await resolveFor(p, ctx, input, 'write');
      await mkdir(target.real, { recursive: true });
      return `created ${input}`;
    },
  });

/** Both ends of a move or copy must lie in writable roots; the destination is never overwritten unless asked. */
async function endpoints(p: FsProvider, ctx: HandlerContext, from: string, to: string, overwrite: boolean) {
  const source = await resolveFor(p, ctx, from, 'write');
  if (!source.exists) throw new Error(`${from} does not exist`);
  const destination = await resolveFor(p, ctx, to, 'write');
  if (destination.exists && !overwrite) throw new Error(`${to} exists: set overwrite to replace it`);
  return { source, destination };
}

export const move = (p: FsProvider) =>
  defineTool<{ from: string; to: string; overwrite?: boolean }>({
    name: 'move',
    title: 'Move or rename',
    description: 'Moves a file or directory within the writable roots.',
    inputSchema: FROM_TO,
    annotations: WRITE,
    async handler({ from, to, overwrite = false }, ctx) {
      const { source, destination } = await endpoints(p, ctx, from, to, overwrite);
      await rename(source.real, destination.real);
      return `moved ${from} to ${to}`;
    },
  });

export const copy = (p: FsProvider) =>
  defineTool<{ from: string; to: string; overwrite?: boolean }>({
    name: 'copy',
    title: 'Copy a file',
    description: 'Copies a regular file within the writable roots.',
    inputSchema: FROM_TO,
    annotations: WRITE,
    async handler({ from, to, overwrite = false }, ctx) {
      const { source, destination } = await endpoints(p, ctx, from, to, overwrite);
      const check = await openRegular(source, constants.O_RDONLY);
      const { size } = await check.stat();
      await check.close();
      if (size > p.maxWrite)
        throw new Error(`${from} is ${size} bytes, over the write limit of ${p.maxWrite}`);
      await copyFile(source.real, destination.real, overwrite ? 0 : constants.COPYFILE_EXCL);
      return `copied ${from} to ${to}`;
    },
  });

export const remove = (p: FsProvider) =>
  defineTool<{ path: string; recursive?: boolean }>({
    name: 'delete',
    title: 'Delete',
    description:
      'Deletes a file, a symbolic link (not its target), or a directory (non-empty only with `recursive`).',
    inputSchema: {
      type: 'object',
      properties: { path: PATH, recursive: { type: 'boolean' } },
      required: ['path'],
      additionalProperties: false,
    },
    annotations: WRITE,
    async handler({ path: input, recursive = false }, ctx) {
      const parent = await resolveFor(p, ctx, path.dirname(input), 'write');
      const target = path.join(parent.real, path.basename(input));
      const info = await lstat(target).catch(() => undefined);
      if (!info) throw new Error(`${input} does not exist`);
      if (p.roots.some((r) => r.real === target)) throw new AccessDenied('a root cannot be deleted');
      if (info.isDirectory()) {
        if (recursive) await rm(target, { recursive: true });
        else if ((await readdir(target)).length > 0)
          throw new Error(`${input} is not empty: set recursive to delete it`);
        else await rmdir(target);
      } else {
        await unlink(target);
      }
      return `deleted ${input}`;
    },
  });
