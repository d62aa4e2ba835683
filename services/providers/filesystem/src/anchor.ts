import { constants } from 'node:fs';
import { type FileHandle, open, readlink } from 'node:fs/promises';
import path from 'node:path';
import { AccessDenied } from '@mcp-fleet/path-guard';

const FD_DIR = '/proc/self/fd';
const DIRECTORY = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** Where an open descriptor really is, as the kernel says. Without /proc this fails closed. */
export async function descriptorPath(handle: FileHandle): Promise<string> {
  try {
    return await readlink(`${FD_DIR}/${handle.fd}`);
  } catch {
    throw new AccessDenied('cannot verify where an opened file is: /proc/self/fd is unavailable');
  }
}

/**
 * A directory held open. Paths made with `at()` go through /proc/self/fd, so the kernel looks the
 * name up in this very directory, whatever happened to the path it was opened by: a parent swapped
 * for a symlink after the containment check cannot redirect the operation. This is the guarantee of
 * openat(2)/unlinkat(2)/renameat(2), which Node's fs does not expose directly.
 */
export class Anchor {
  private constructor(
    private readonly handle: FileHandle,
    /** The real path the directory had when it was opened. */
    readonly real: string,
  ) {}

  /** Opens a real directory path; refused unless the descriptor is exactly that path. */
  static async open(real: string): Promise<Anchor> {
    const handle = await open(real, DIRECTORY);
    const actual = await descriptorPath(handle).catch(async (err) => {
      await handle.close();
      throw err;
    });
    if (actual !== real) {
      await handle.close();
      throw new AccessDenied('the path changed while it was being used');
    }
    return new Anchor(handle, real);
  }

  /** Opens the directory `name` inside this one; a symbolic link there is refused, never followed. */
  async child(name: string): Promise<Anchor> {
    return new Anchor(await open(this.at(name), DIRECTORY), path.join(this.real, name));
  }

  /** The directory itself, for opendir/readdir. */
  get self(): string {
    return `${FD_DIR}/${this.handle.fd}`;
  }

  /** A name inside this directory. */
  at(name: string): string {
    return `${this.self}/${name}`;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

const MEANINGS: Record<string, string> = {
  ENOENT: 'does not exist',
  EEXIST: 'exists: set overwrite to replace it',
  ENOTEMPTY: 'is not empty: set recursive to delete it',
  EISDIR: 'is a directory',
  ENOTDIR: 'is not a directory (or a parent of it is not)',
  ELOOP: 'is a symbolic link',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EINVAL: 'cannot be moved into itself',
  EXDEV: 'is on another filesystem',
  EBUSY: 'is in use',
  ENOSPC: 'no space left on the device',
};

/**
 * An fs error as the caller may see it: about the path they gave, never about /proc/self/fd or a
 * real path. Errors that are not errno errors (AccessDenied, aborts) pass unchanged.
 */
export function describeFsError(err: unknown, input: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (!(err instanceof Error) || code === undefined || err.name === 'AbortError') return err as Error;
  return new Error(`${input} ${MEANINGS[code] ?? `cannot be used (${code})`}`);
}
