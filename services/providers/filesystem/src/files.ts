import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { type FileHandle, link, lstat, mkdir, open, rename, rmdir, unlink } from 'node:fs/promises';
import { AccessDenied, contain, type Located } from '@mcp-fleet/path-guard';
import { Anchor, describeFsError, descriptorPath } from './anchor.js';
import { someNames } from './walk.js';

/** Deeper trees are not deleted recursively: each level holds a descriptor open. */
const MAX_DELETE_DEPTH = 256;
const CHUNK = 64 * 1024;
/** Names a recursive delete reads from a directory at a time: memory stays flat however large it is. */
const DELETE_BATCH = 1024;

/**
 * Opens a regular file: the final component is never followed (O_NOFOLLOW), FIFOs and devices never
 * block (O_NONBLOCK) and are refused, and so are files with several hard links (one of the names
 * may live outside the roots).
 */
async function openPlain(where: string, flags: number, input: string): Promise<FileHandle> {
  const handle = await open(where, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err) => {
    throw describeFsError(err, input);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new AccessDenied(`${input}: only regular files can be read or written`);
    if (info.nlink > 1) throw new AccessDenied(`${input}: files with several hard links are refused`);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Opens a located file, then checks the descriptor's own real path with the containment check: a
 * parent swapped for a symlink between the check and the open is caught here.
 */
export async function openLocated(place: Located, flags: number): Promise<FileHandle> {
  if (!place.exists) throw new Error(`${place.input} does not exist`);
  const handle = await openPlain(place.real, flags, place.input);
  try {
    contain(place.scope, await descriptorPath(handle), place.input, place.intent);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Reads an open file to its end, refusing it once it passes `limit` bytes (it may grow while read).
 * The first read asks for one byte more than the file's size: a regular file reads short only at
 * its end, so a file that did not grow costs a single read.
 */
async function readBounded(
  handle: FileHandle,
  limit: number,
  describe: (size: number) => string,
): Promise<Buffer> {
  const { size } = await handle.stat();
  if (size > limit) throw new Error(describe(size));
  const chunks: Buffer[] = [];
  let total = 0;
  for (let want = size + 1; ; want = CHUNK) {
    const chunk = Buffer.allocUnsafe(want);
    const { bytesRead } = await handle.read(chunk, 0, want, null);
    total += bytesRead;
    if (total > limit) throw new Error(describe(total));
    chunks.push(chunk.subarray(0, bytesRead));
    if (bytesRead < want) return Buffer.concat(chunks, total);
  }
}

/** A whole regular file, refused past `limit` bytes; `what` names the limit in the refusal. */
export async function readLocated(place: Located, limit: number, what = 'the read limit'): Promise<Buffer> {
  const handle = await openLocated(place, constants.O_RDONLY);
  try {
    return await readBounded(
      handle,
      limit,
      (size) => `${place.input} is ${size} bytes, over ${what} of ${limit}`,
    );
  } finally {
    await handle.close();
  }
}

/**
 * Runs `use` inside the directory holding an entry, held open (see Anchor); fs errors come back
 * about the caller's path.
 */
export async function inParent<T>(place: Located, use: (dir: Anchor) => Promise<T>): Promise<T> {
  if (place.parent === undefined) throw new AccessDenied(`${place.input} is a root`);
  const dir = await Anchor.open(place.parent).catch((err) => {
    throw err instanceof AccessDenied
      ? err
      : new Error(`the directory holding ${place.input} does not exist`);
  });
  try {
    return await use(dir);
  } catch (err) {
    throw describeFsError(err, place.input);
  } finally {
    await dir.close();
  }
}

/** The entry as it is now, seen through the held directory; undefined when there is none. */
export async function entryNow(dir: Anchor, name: string): Promise<Stats | undefined> {
  return lstat(dir.at(name)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

/** Only a plain file with one name may be replaced: never a directory, a link, or a hard-linked file. */
export function assertReplaceable(info: Stats | undefined, input: string): void {
  if (!info) return;
  if (!info.isFile()) throw new AccessDenied(`${input} is not a regular file: it is not replaced`);
  if (info.nlink > 1) throw new AccessDenied(`${input} has several hard links: refused`);
}

/**
 * Reads the entry a write is about to replace (edit, expectedSha256): through the held directory,
 * never through a link, refusing hard-linked files.
 */
export async function readEntry(dir: Anchor, place: Located, limit: number): Promise<Buffer> {
  const handle = await openPlain(dir.at(place.name), constants.O_RDONLY, place.input);
  try {
    return await readBounded(
      handle,
      limit,
      (size) => `${place.input} is ${size} bytes, over the read limit of ${limit}`,
    );
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` as `name` in a held directory, atomically: the bytes go to a new file created
 * exclusively (O_EXCL, O_NOFOLLOW) beside it, are flushed, then take the name. With `overwrite`, a
 * rename replaces the old entry (a link or a hard-linked file is replaced as a name, its other
 * target never written); without it, link(2) fails if the name was taken meanwhile.
 */
export async function atomicWrite(
  dir: Anchor,
  name: string,
  data: Buffer,
  overwrite: boolean,
): Promise<void> {
  const temp = `.mcpfleet-${randomBytes(8).toString('hex')}.tmp`;
  const handle = await open(
    dir.at(temp),
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
  );
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (overwrite) await rename(dir.at(temp), dir.at(name));
    else await link(dir.at(temp), dir.at(name));
  } finally {
    await unlink(dir.at(temp)).catch(() => {});
  }
}

/**
 * Deletes `name` in a held directory and, for a directory, everything below it. Each directory is
 * entered through the one holding it with O_NOFOLLOW, so a symlink swapped in anywhere is refused,
 * never followed; links themselves are removed, never their targets.
 */
export async function removeTree(dir: Anchor, name: string, signal: AbortSignal, depth = 0): Promise<void> {
  signal.throwIfAborted();
  const info = await lstat(dir.at(name));
  if (!info.isDirectory()) return unlink(dir.at(name));
  if (depth >= MAX_DELETE_DEPTH)
    throw new Error(`the tree is deeper than ${MAX_DELETE_DEPTH} levels: not deleted`);
  const inner = await dir.child(name);
  try {
    // Read a batch, delete it, read again: never the whole listing, never a stream read while it shrinks.
    for (let batch = await someNames(inner.self, DELETE_BATCH, signal); batch.length > 0; ) {
      for (const child of batch) await removeTree(inner, child, signal, depth + 1);
      batch = await someNames(inner.self, DELETE_BATCH, signal);
    }
  } finally {
    await inner.close();
  }
  await rmdir(dir.at(name));
}

/**
 * Creates a directory and its missing parents. Starts from the nearest existing ancestor, held open,
 * and enters each new level through the one above it (O_NOFOLLOW), so a symlink planted on the way
 * is refused, never followed.
 */
export async function makeDirectories(place: Located): Promise<void> {
  const missing: string[] = [];
  let existing = place.real;
  while (!(await lstat(existing).catch(() => undefined))?.isDirectory()) {
    missing.unshift(existing.slice(existing.lastIndexOf('/') + 1));
    existing = existing.slice(0, existing.lastIndexOf('/')) || '/';
  }
  contain(place.scope, existing, place.input, { want: 'read', final: 'entry' });
  let dir = await Anchor.open(existing);
  try {
    for (const name of missing) {
      await mkdir(dir.at(name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      const next = await dir.child(name);
      await dir.close();
      dir = next;
    }
  } finally {
    await dir.close();
  }
}
