import { isDeepStrictEqual } from 'node:util';
import { at, isObject, type Path, pathText } from './object-paths.js';

/** Top-level fields that are bookkeeping or judged elsewhere (metadata), not what the object does. */
const NOT_COMPARED = ['apiVersion', 'kind', 'metadata', 'status'];

const grows = (was: unknown, now: unknown) =>
  typeof was === 'number' && typeof now === 'number' && now >= was;

/**
 * Changes of an existing object known to stop or delete nothing: they go ahead unasked. Every
 * other change asks the user, as a destructive tool would, so a field this list does not know
 * (a job's parallelism, a CronJob's schedule or concurrency policy, a history limit, a
 * StatefulSet's PVC retention or ordinals, a field a later Kubernetes adds) is asked by
 * construction. Pod templates are left to the pod-spec judge, which asks before replacing pods.
 */
const SAFE_CHANGES: { path: string; when?: (was: unknown, now: unknown) => boolean }[] = [
  // More of what already runs; fewer stops pods (and a StatefulSet may delete their volumes).
  { path: 'spec.replicas', when: grows },
  { path: 'spec.parallelism', when: grows },
  { path: 'spec.minReplicas', when: grows },
  { path: 'spec.maxReplicas', when: grows },
  // Resuming a suspended Job or CronJob; suspending stops it.
  { path: 'spec.suspend', when: (_, now) => now === false },
  // Pausing holds a rollout; resuming goes on with a template change that was asked about.
  { path: 'spec.paused' },
  // How a rollout's progress is measured and reported.
  { path: 'spec.minReadySeconds' },
  { path: 'spec.progressDeadlineSeconds' },
  // A ConfigMap's content (making it immutable, a top-level field too, is not listed).
  { path: 'data' },
  { path: 'binaryData' },
];

/** The paths where two objects differ: maps compared key by key, any other value as a whole. */
function changedPaths(before: unknown, after: unknown, skip: Path[]): Path[] {
  const changed: Path[] = [];
  const stack: Path[] = [[]];
  for (let path = stack.pop(); path; path = stack.pop()) {
    if (skip.some((s) => isDeepStrictEqual(s, path))) continue;
    const [was, now] = [at(before, path), at(after, path)];
    if (isObject(was) && isObject(now)) {
      for (const key of new Set([...Object.keys(was), ...Object.keys(now)]))
        if (path.length > 0 || !NOT_COMPARED.includes(key)) stack.push([...path, key]);
    } else if (!isDeepStrictEqual(was, now)) changed.push(path);
  }
  return changed.sort((x, y) => pathText(x).localeCompare(pathText(y)));
}

function isSafe(path: Path, before: unknown, after: unknown): boolean {
  const text = pathText(path);
  return SAFE_CHANGES.some(
    (safe) =>
      (text === safe.path || text.startsWith(`${safe.path}.`) || text.startsWith(`${safe.path}[`)) &&
      (!safe.when || safe.when(at(before, path), at(after, path))),
  );
}

/** What the scale tool and a write changing replicas ask before stopping pods. */
export function scaleAsk(where: string, was: unknown, now: number): string | undefined {
  if (now === 0) return was === 0 ? undefined : `scale ${where} to 0 replicas`;
  return typeof was === 'number' && now < was
    ? `scale ${where} down from ${was} to ${now} replicas`
    : undefined;
}

const LISTED = 12;

/**
 * What to ask the user about the changes a write makes to an existing object (its pod
 * templates, at `templates`, excepted): nothing when every change is on the safe list.
 */
export function specAsks(before: unknown, after: unknown, templates: Path[], where: string): string[] {
  const unsafe = changedPaths(before, after, templates).filter((path) => !isSafe(path, before, after));
  const asks: string[] = [];
  const rest: string[] = [];
  for (const path of unsafe) {
    const text = pathText(path);
    const scale = text === 'spec.replicas' && scaleAsk(where, at(before, path), Number(at(after, path)));
    if (scale) asks.push(scale);
    else rest.push(text);
  }
  if (rest.length > 0) {
    const more = rest.length > LISTED ? ` and ${rest.length - LISTED} more` : '';
    asks.push(`change ${rest.slice(0, LISTED).join(', ')}${more} of ${where}`);
  }
  return asks;
}
