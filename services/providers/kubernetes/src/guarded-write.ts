import type { HandlerContext } from '@mcp-fleet/sdk';
import { type KubeApi, KubeApiError, Refused } from './api.js';
import { confirmed } from './confirm.js';
import type { KubernetesProvider } from './context.js';
import type { KubeObject } from './shown.js';
import { judge, type Verdict } from './write-judge.js';

export const FIELD_MANAGER = 'mcp-fleet';

/** One PATCH (apply, merge, strategic or JSON patch) of one object, before it is judged. */
export interface Write {
  kind: string;
  /** The kind's API group ('' for core kinds). */
  group: string;
  name: string;
  namespace?: string;
  path: string;
  body: unknown;
  contentType: string;
  /** A Secret: the API server's refusals are withheld, they may quote values. */
  secret: boolean;
  force?: boolean;
  /** What the caller wrote, for an apply: a new object's metadata is judged on it. */
  input?: KubeObject;
  /** Pod specs a rollout undo restores from the workload's history. */
  restored?: unknown[];
}

/** A write with the object it would produce (the server's dry run) and the verdict on it. */
export interface Checked {
  write: Write;
  /** The body bound to the version that was judged: a concurrent change fails with 409. */
  body: unknown;
  after: KubeObject;
  verdict: Verdict;
}

/** The API server's refusal of a Secret write may quote what was sent: only its status goes back. */
export function withheld<T>(secret: boolean, request: Promise<T>): Promise<T> {
  if (!secret) return request;
  return request.catch((err: unknown) => {
    if (!(err instanceof KubeApiError)) throw err;
    throw new KubeApiError(
      err.status,
      `${err.status} the API server refused the Secret (its message is withheld: it may quote values)`,
    );
  });
}

async function current(api: KubeApi, path: string): Promise<KubeObject | undefined> {
  try {
    return (await api.get(path)) as KubeObject;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * The body with the judged object's resourceVersion as a precondition (a JSON patch gets a
 * leading `test`), so the real write applies to exactly what the dry run saw. A version the
 * caller gave is kept: it binds the same way.
 */
function bound(body: unknown, resourceVersion: unknown): unknown {
  if (typeof resourceVersion !== 'string') return body;
  if (Array.isArray(body))
    return [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersion }, ...body];
  const object = body as KubeObject;
  // A version the caller gave binds as well; a null one would remove the precondition.
  if (typeof object.metadata?.resourceVersion === 'string') return body;
  return { ...object, metadata: { ...object.metadata, resourceVersion } };
}

function send(api: KubeApi, w: Write, body: unknown, dryRun: boolean) {
  return withheld(
    w.secret,
    api.send(
      'PATCH',
      w.path,
      body,
      {
        fieldManager: FIELD_MANAGER,
        force: w.force ? 'true' : undefined,
        dryRun: dryRun ? 'All' : undefined,
      },
      w.contentType,
    ),
  ) as Promise<KubeObject>;
}

/** Reads the object, dry-runs the write on it and judges the difference; changes nothing. */
export async function checkWrite(api: KubeApi, workloadSecrets: boolean, w: Write): Promise<Checked> {
  const before = await current(api, w.path);
  const options = { ...w, workloadSecrets };
  // A new object is judged on what the caller wrote first: the refusal is ours, whatever the
  // API server's own settings would have said about it.
  if (!before && w.input) {
    const early = judge(undefined, w.input, options);
    if (early.problems.length > 0) return { write: w, body: w.body, after: w.input, verdict: early };
  }
  const body = bound(w.body, before?.metadata?.resourceVersion);
  const after = await send(api, w, body, true);
  const verdict = judge(before, after, options);
  return { write: w, body, after, verdict };
}

/**
 * Refuses the writes as a whole if any is refused, asks the user once about every destructive
 * effect (`ask`, the tool's own action, stands for replacing pods), then writes; a dry run
 * answers with what the server's dry run produced and asks nothing.
 */
export async function commitWrites(
  p: KubernetesProvider,
  ctx: HandlerContext,
  api: KubeApi,
  checked: Checked[],
  options: { dryRun: boolean; ask?: string },
): Promise<KubeObject[]> {
  const problems = checked.flatMap((c) => c.verdict.problems);
  if (problems.length > 0) throw new Refused(problems.join('; '));
  if (options.dryRun) return checked.map((c) => c.after);
  const asks = [
    ...(options.ask ? [options.ask] : checked.flatMap((c) => c.verdict.podChanges)),
    ...checked.flatMap((c) => c.verdict.asks),
  ];
  if (asks.length > 0) await confirmed(p.confirm, ctx, [...new Set(asks)].join(' and '));
  return Promise.all(checked.map((c) => send(api, c.write, c.body, false)));
}
