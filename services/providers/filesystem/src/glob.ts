import { AccessDenied } from '@mcp-fleet/path-guard';

/** Longest glob accepted: matching one path costs at most the glob's length times the path's. */
export const MAX_GLOB = 256;

/** `**` as a whole segment spans any number of directories; any other segment matches one name. */
type Segment = { anyDepth: true } | { anyDepth: false; chunks: string[][] };

/** `chunk` (characters, `?` for any one) matches `name` at `at`; the caller keeps it in bounds. */
function chunkAt(chunk: string[], name: string[], at: number): boolean {
  for (let i = 0; i < chunk.length; i++) if (chunk[i] !== '?' && chunk[i] !== name[at + i]) return false;
  return true;
}

/**
 * One name against one segment: the chunks between `*`s must appear in order, the first at the
 * start and the last at the end. Placing each middle chunk at its leftmost fit is always right (a
 * later fit only leaves less room), so there is no backtracking: the cost is at most the name's
 * length times the segment's.
 */
function matchName(chunks: string[][], name: string[]): boolean {
  const first = chunks[0] as string[];
  if (chunks.length === 1) return first.length === name.length && chunkAt(first, name, 0);
  const last = chunks[chunks.length - 1] as string[];
  const end = name.length - last.length;
  if (first.length > end || !chunkAt(first, name, 0) || !chunkAt(last, name, end)) return false;
  let at = first.length;
  for (const chunk of chunks.slice(1, -1)) {
    while (at + chunk.length <= end && !chunkAt(chunk, name, at)) at++;
    if (at + chunk.length > end) return false;
    at += chunk.length;
  }
  return true;
}

/**
 * Segments against names by dynamic programming over (segment, name) pairs, each pair decided at
 * most once: linear in the path for a given glob, whatever the glob holds.
 */
function matchPath(segments: Segment[], names: string[][]): boolean {
  let after: boolean[] = Array.from({ length: names.length + 1 }, (_, j) => j === names.length);
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i] as Segment;
    const here: boolean[] = new Array(names.length + 1).fill(false);
    for (let j = names.length; j >= 0; j--) {
      here[j] = segment.anyDepth
        ? (after[j] as boolean) || (j < names.length && (here[j + 1] as boolean))
        : j < names.length && (after[j + 1] as boolean) && matchName(segment.chunks, names[j] as string[]);
    }
    after = here;
  }
  return after[0] as boolean;
}

/**
 * A glob relative to a base directory: `**` as a whole segment spans directories, `*` and `?` stay
 * within one name (so `**` inside a name is `*`), `.` segments are ignored, everything else is
 * literal. Absolute globs and `..` segments are refused: a glob never leaves its base.
 */
export function compileGlob(glob: string): (relative: string) => boolean {
  if (glob.length > MAX_GLOB) throw new AccessDenied(`a glob may be at most ${MAX_GLOB} characters long`);
  if (glob.startsWith('/') || glob.split('/').includes('..'))
    throw new AccessDenied(`glob ${JSON.stringify(glob)} may not leave its base`);
  const segments: Segment[] = [];
  for (const part of glob.split('/')) {
    if (part === '.') continue;
    if (part !== '**')
      segments.push({ anyDepth: false, chunks: part.split(/\*+/).map((c) => Array.from(c)) });
    else if (!segments.at(-1)?.anyDepth) segments.push({ anyDepth: true });
  }
  return (relative) =>
    matchPath(
      segments,
      relative.split('/').map((name) => Array.from(name)),
    );
}
