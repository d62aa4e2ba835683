import { stat } from 'node:fs/promises';
import path from 'node:path';
import { walkPath } from './resolve.js';

/** One allowed directory: as configured, and as it really is on disk. */
export interface Root {
  given: string;
  real: string;
  writable: boolean;
  /**
   * Every on-disk entry the given path goes through to reach the root, links included (each as a
   * name in its real parent), ending at `real`. None of them may be deleted, moved or replaced:
   * that would re-point the root. When absent, only `real` is guarded.
   */
  way?: readonly string[];
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
 * must exist and be a directory; its given path, its real path and every entry on the way from one
 * to the other are kept.
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
    const { real, exists, entries } = await walkPath(given, true);
    if (!exists) throw new Error(`root ${given} cannot be resolved`);
    roots.push({ given, real, writable, way: entries });
  }
  if (roots.length === 0) throw new Error('no roots configured');
  return roots;
}
