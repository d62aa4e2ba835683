import { isDeepStrictEqual } from 'node:util';
import { Refused } from './api.js';
import { fleetMetadataProblems } from './fleet-objects.js';
import { at, isObject, type Path, pathText } from './object-paths.js';
import { codeOf, podSpecProblems } from './pod-spec.js';
import { serviceSpecProblems } from './service-spec.js';
import type { KubeObject } from './shown.js';
import { specAsks } from './spec-changes.js';

/**
 * A write judged on what it does, not on how the patch is spelled: the object before it and the
 * object the API server's dry run says it becomes.
 */
export interface Verdict {
  /** Why the write is refused; empty when it may go ahead. */
  problems: string[];
  /** Replacing a workload's pods: what `rollout restart` asks before. */
  podChanges: string[];
  /** Other changes of an existing object that are not known to be safe (a scale down…): asked. */
  asks: string[];
}

export interface JudgeOptions {
  kind: string;
  /** The kind's API group: '' for core kinds (a custom resource may be named Service too). */
  group: string;
  name: string;
  namespace?: string;
  workloadSecrets: boolean;
  /** What the caller wrote, for an apply: a new object's metadata is judged on it. */
  input?: KubeObject;
  /** Pod specs a rollout undo restores from the workload's own history (judged when written). */
  restored?: unknown[];
}

/** Metadata a write may change; the rest (ownerReferences, finalizers…) stays as it was. */
const CHANGEABLE_METADATA = ['labels', 'annotations', 'resourceVersion', 'generation', 'managedFields'];
/** Metadata a new object may carry: an owner or a finalizer would hand it to a controller. */
const NEW_METADATA = ['name', 'namespace', 'labels', 'annotations'];

/**
 * Where an object holds pod specs: any map with containers, wherever it sits (a Deployment's
 * template, a CronJob's job template, a ControllerRevision's data, a custom resource's field).
 */
export function podSpecPaths(object: KubeObject): Path[] {
  // Each entry links to its parent instead of copying its path: deep nesting stays linear.
  type Entry = { value: unknown; key: string | number; parent?: Entry };
  const pathOf = (entry: Entry) => {
    const path: Path = [];
    for (let e: Entry | undefined = entry; e; e = e.parent) path.push(e.key);
    return path.reverse();
  };
  const found: Path[] = [];
  const stack: Entry[] = Object.entries(object)
    .filter(([key]) => key !== 'metadata' && key !== 'status')
    .map(([key, value]) => ({ value, key }));
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const { value } = entry;
    if (Array.isArray(value))
      for (const [index, item] of value.entries()) stack.push({ value: item, key: index, parent: entry });
    else if (isObject(value)) {
      if (['containers', 'initContainers', 'ephemeralContainers'].some((key) => Object.hasOwn(value, key)))
        found.push(pathOf(entry));
      else for (const [key, inner] of Object.entries(value)) stack.push({ value: inner, key, parent: entry });
    }
  }
  return found;
}

/** How messages name the object: `Deployment web`, and `Deployment web in team-a` when asking. */
function namesOf(o: JudgeOptions) {
  const label = `${o.kind} ${o.name}`;
  return { label, where: `${label}${o.namespace ? ` in ${o.namespace}` : ''}` };
}

function metadataProblems(before: KubeObject | undefined, after: KubeObject, o: JudgeOptions): string[] {
  if (!before) {
    const metadata = isObject(o.input?.metadata) ? o.input.metadata : {};
    return Object.keys(metadata)
      .filter((key) => !NEW_METADATA.includes(key))
      .map((key) => `metadata.${key} cannot be set through this provider (only ${NEW_METADATA.join(', ')})`);
  }
  const old = before.metadata ?? {};
  const now = after.metadata ?? {};
  return [...new Set([...Object.keys(old), ...Object.keys(now)])]
    .filter((key) => !CHANGEABLE_METADATA.includes(key) && !isDeepStrictEqual(old[key], now[key]))
    .map(
      (key) =>
        `metadata.${key} cannot be changed through this provider (a write may change labels and annotations)`,
    );
}

/**
 * Judges each pod spec the write creates or changes. A change confined to operational fields
 * (resources, placement) or back to a restored revision keeps what was there; any other change,
 * and every new spec, is judged whole against the allow-list, so new code never runs beside a
 * Secret it could print. Changing an existing template replaces the pods: asked like a restart.
 */
function podSpecVerdict(before: KubeObject | undefined, after: KubeObject, o: JudgeOptions, v: Verdict) {
  const { label, where } = namesOf(o);
  for (const path of podSpecPaths(after)) {
    const spec = at(after, path);
    const prior = before && at(before, path);
    const template = (object: unknown) => at(object, path.length > 1 ? path.slice(0, -1) : path);
    if (prior !== undefined && isDeepStrictEqual(template(before), template(after))) continue;
    const keepsCode =
      prior !== undefined &&
      (isDeepStrictEqual(codeOf(prior), codeOf(spec)) ||
        (o.restored ?? []).some((restored) => isDeepStrictEqual(restored, spec)));
    if (!keepsCode)
      v.problems.push(
        ...podSpecProblems(spec, pathText(path), o.workloadSecrets).map((p) => `${label}: ${p}`),
      );
    if (prior !== undefined)
      v.podChanges.push(
        path.length > 1 ? `change the pods of ${where} (every pod is replaced)` : `change ${where}`,
      );
  }
}

export function judge(before: KubeObject | undefined, after: KubeObject, o: JudgeOptions): Verdict {
  const { label, where } = namesOf(o);
  const v: Verdict = {
    problems: metadataProblems(before, after, o).map((p) => `${label}: ${p}`),
    podChanges: [],
    asks: [],
  };
  podSpecVerdict(before, after, o, v);
  v.problems.push(...fleetMetadataProblems(before, after).map((p) => `${label}: ${p}`));
  // A Service is judged whole when it is new or its spec changes: one an operator exposed stays
  // as it was, it cannot be re-pointed through its exposure.
  if (o.kind === 'Service' && o.group === '' && !isDeepStrictEqual(before?.spec, after.spec))
    v.problems.push(...serviceSpecProblems(after.spec).map((p) => `${label}: ${p}`));
  if (!before) return v;
  // Pod templates are the pod-spec judge's: changing one already asks before the pods are replaced.
  const templates = [...podSpecPaths(before), ...podSpecPaths(after)].map((path) =>
    path.length > 1 ? path.slice(0, -1) : path,
  );
  v.asks.push(...specAsks(before, after, templates, where));
  return v;
}

/**
 * JSON patch operations a Secret admits: those that only write what the caller sends. `copy`
 * and `move` would put a value where it is shown, `test` answers whether a guess is right.
 */
const SECRET_PATCH_OPS = ['add', 'replace', 'remove'];

export function secretPatchOps(patch: unknown[]): void {
  for (const operation of patch) {
    const op = isObject(operation) ? operation.op : undefined;
    if (typeof op !== 'string' || !SECRET_PATCH_OPS.includes(op))
      throw new Refused(
        `JSON patch op ${JSON.stringify(op)} is not allowed on a Secret: only ${SECRET_PATCH_OPS.join(', ')} (the others read values the caller may not see)`,
      );
  }
}
