import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';

/** As many symbolic links as the kernel follows in one path (Linux MAXSYMLINKS). */
const MAX_LINKS = 40;

/** Where a path leads on disk, found the way the kernel finds it. */
export interface Walked {
  /** The place: every link on the way resolved (the final one only when followed). */
  real: string;
  /** Whether the place exists. */
  exists: boolean;
  /** Every on-disk entry the lookup went through, links included, each as a name in its real parent. */
  entries: string[];
  /** Why the path cannot be used, said only once the place passed the containment check. */
  problem?: string;
}

interface Step {
  name: string;
  /** The component came from a link's target, not from the path as given. */
  linked: boolean;
}

const stepsOf = (text: string, linked: boolean): Step[] =>
  text
    .split('/')
    .filter((name) => name !== '' && name !== '.')
    .map((name) => ({ name, linked }));

/**
 * Resolves an absolute path one component at a time, as the kernel does: each name is looked up
 * (lstat) in the real directory reached so far, a link's target is spliced in front of what is left
 * and walked from the link's own directory, and `..` goes up from the real directory, after the link
 * was followed (never textually before it). A missing tail is kept as named. Nothing here throws
 * about the path: a refusal must not tell whether something outside the roots exists, so problems
 * are reported for the caller to raise after containment.
 */
export async function walkPath(absolute: string, followFinal: boolean): Promise<Walked> {
  const pending = stepsOf(absolute, false);
  const entries: string[] = [];
  let current = '/';
  let links = 0;
  for (let step = pending.shift(); step; step = pending.shift()) {
    if (step.name === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, step.name);
    entries.push(next);
    const info = await lstat(next).catch((err: NodeJS.ErrnoException) => err.code ?? 'error');
    if (typeof info === 'string') return missing(next, pending, step, entries, info);
    if (!info.isSymbolicLink() || (pending.length === 0 && !followFinal)) {
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) return { real: next, exists: false, entries, problem: 'symbolic link loop' };
    const target = await readlink(next).catch(() => undefined);
    if (target === undefined) return { real: next, exists: false, entries, problem: 'it cannot be resolved' };
    if (target.startsWith('/')) current = '/';
    pending.unshift(...stepsOf(target, true));
  }
  return { real: current, exists: true, entries };
}

/** The answer when a component is not there (or cannot be looked up). */
function missing(at: string, rest: Step[], step: Step, entries: string[], code: string): Walked {
  if (code !== 'ENOENT')
    return {
      real: at,
      exists: false,
      entries,
      problem: 'a parent of the path is not a directory or not readable',
    };
  // The kernel would refuse `..` below a missing directory: so is it here, at the deepest real place.
  if (rest.some((s) => s.name === '..'))
    return { real: at, exists: false, entries, problem: 'it cannot be resolved' };
  const real = path.join(at, ...rest.map((s) => s.name));
  const dangling = step.linked || rest.some((s) => s.linked);
  return {
    real,
    exists: false,
    entries,
    ...(dangling ? { problem: 'the path is a symbolic link whose target does not exist' } : {}),
  };
}
