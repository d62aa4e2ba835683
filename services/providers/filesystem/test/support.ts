import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** A tool result as the tests read it. */
export type Result = {
  content: { type?: string; text?: string; data?: string; mimeType?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/** What lives outside the roots: it must never show up in an answer. */
export const SECRET = 'TOP-SECRET-CONTENT';

/** A 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);

/**
 * Every entry under `base` (type, content digest, link target), except those `skip` names by their
 * `/`-separated relative path. Two snapshots are equal when nothing kept changed.
 */
export async function snapshot(base: string, skip: (relative: string) => boolean): Promise<string[]> {
  const rows: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    const absolute = join(base, relative);
    const info = await lstat(absolute).catch(() => undefined);
    if (!info) return;
    if (info.isSymbolicLink()) rows.push(`${relative} -> ${await readlink(absolute)}`);
    else if (info.isFile()) {
      const digest = createHash('sha256')
        .update(await readFile(absolute))
        .digest('hex');
      rows.push(`${relative} file ${info.size} ${digest}`);
    } else if (info.isDirectory()) {
      rows.push(`${relative}/`);
      for (const name of (await readdir(absolute)).sort()) {
        const child = relative ? `${relative}/${name}` : name;
        if (!skip(child)) await visit(child);
      }
    } else rows.push(`${relative} other`);
  };
  await visit('');
  return rows;
}
