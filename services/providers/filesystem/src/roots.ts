import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** One allowed directory: as configured, and as it really is on disk. */
export interface Root {
  given: string;
  real: string;
  writable: boolean;
}

/** `true` when `child` is `parent` or below it, compared segment by segment (never a string prefix). */
export function within(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative === '' ||
    (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative))
  );
}

/**
 * Parses `MCPFLEET_FS_ROOTS`: comma-separated directories, `:rw` marks a writable one. Every root
 * must exist and be a directory; both its given and its real path are kept.
 */
export async function loadRoots(spec: string, base = process.cwd()): Promise<Root[]> {
  const roots: Root[] = [];
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const writable = entry.endsWith(':rw');
    const given = path.resolve(base, writable ? entry.slice(0, -3) : entry.replace(/:ro$/, ''));
    const info = await stat(given).catch(() => undefined);
    if (!info?.isDirectory()) throw new Error(`root ${given} is not an existing directory`);
    roots.push({ given, real: await realpath(given), writable });
  }
  if (roots.length === 0) throw new Error('no roots configured');
  return roots;
}
