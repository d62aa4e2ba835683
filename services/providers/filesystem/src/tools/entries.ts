import { rename, rmdir, unlink } from 'node:fs/promises';
import { INTENT } from '@mcp-fleet/path-guard';
import { DESTRUCTIVE, defineTool, IDEMPOTENT_WRITE } from '@mcp-fleet/sdk';
import { describeFsError } from '../anchor.js';
import { type FsProvider, locateFor } from '../context.js';
import {
  assertReplaceable,
  atomicWrite,
  entryNow,
  inParent,
  makeDirectories,
  readLocated,
  removeTree,
} from '../files.js';
import { PATH } from './read.js';

const FROM_TO = {
  type: 'object',
  properties: { from: PATH, to: PATH, overwrite: { type: 'boolean' } },
  required: ['from', 'to'],
  additionalProperties: false,
};

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
    annotations: IDEMPOTENT_WRITE,
    async handler({ path: input }, ctx) {
      const place = await locateFor(p, ctx, input, INTENT.create);
      await makeDirectories(place).catch((err) => {
        throw describeFsError(err, input);
      });
      return `created ${input}`;
    },
  });

export const move = (p: FsProvider) =>
  defineTool<{ from: string; to: string; overwrite?: boolean }>({
    name: 'move',
    title: 'Move or rename',
    description:
      'Moves a file, directory or symbolic link (the link itself) within the writable roots. Only a plain file is ever replaced, and only with `overwrite`; a root is never moved or replaced.',
    inputSchema: FROM_TO,
    annotations: DESTRUCTIVE,
    async handler({ from, to, overwrite = false }, ctx) {
      const source = await locateFor(p, ctx, from, INTENT.replace);
      if (!source.exists) throw new Error(`${from} does not exist`);
      const destination = await locateFor(p, ctx, to, INTENT.replace);
      await inParent(source, (src) =>
        inParent(destination, async (dst) => {
          const existing = await entryNow(dst, destination.name);
          if (existing && !overwrite) throw new Error(`${to} exists: set overwrite to replace it`);
          assertReplaceable(existing, to);
          // rename(2) never follows a link at either end: a link is moved or replaced as a name.
          await rename(src.at(source.name), dst.at(destination.name)).catch((err) => {
            throw describeFsError(err, `${from} (to ${to})`);
          });
        }),
      );
      return `moved ${from} to ${to}`;
    },
  });

export const copy = (p: FsProvider) =>
  defineTool<{ from: string; to: string; overwrite?: boolean }>({
    name: 'copy',
    title: 'Copy a file',
    description:
      'Copies a regular file from any root into a writable root. The copy is written beside the destination and renamed over it, so a replaced hard link or symbolic link is never written through.',
    inputSchema: FROM_TO,
    annotations: DESTRUCTIVE,
    async handler({ from, to, overwrite = false }, ctx) {
      const data = await readLocated(
        await locateFor(p, ctx, from, INTENT.read),
        p.maxWrite,
        'the write limit',
      );
      const destination = await locateFor(p, ctx, to, INTENT.replace);
      await inParent(destination, async (dir) => {
        const existing = await entryNow(dir, destination.name);
        if (existing && !overwrite) throw new Error(`${to} exists: set overwrite to replace it`);
        assertReplaceable(existing, to);
        await atomicWrite(dir, destination.name, data, overwrite);
      });
      return `copied ${from} to ${to}`;
    },
  });

export const remove = (p: FsProvider) =>
  defineTool<{ path: string; recursive?: boolean }>({
    name: 'delete',
    title: 'Delete',
    description:
      'Deletes a file, a symbolic link (not its target), or a directory (non-empty only with `recursive`). A root, or a directory holding one, is never deleted.',
    inputSchema: {
      type: 'object',
      properties: { path: PATH, recursive: { type: 'boolean' } },
      required: ['path'],
      additionalProperties: false,
    },
    annotations: DESTRUCTIVE,
    async handler({ path: input, recursive = false }, ctx) {
      const place = await locateFor(p, ctx, input, INTENT.replace);
      if (!place.exists) throw new Error(`${input} does not exist`);
      await inParent(place, async (dir) => {
        const info = await entryNow(dir, place.name);
        if (!info) throw new Error(`${input} does not exist`);
        if (!info.isDirectory()) await unlink(dir.at(place.name));
        else if (recursive) await removeTree(dir, place.name, ctx.signal);
        else await rmdir(dir.at(place.name));
      });
      return `deleted ${input}`;
    },
  });
