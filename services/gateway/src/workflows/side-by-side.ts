import { StepFailed } from './step-failed.js';

export type Task = (signal: AbortSignal) => Promise<void>;

/**
 * Runs tasks side by side (branches, loop workers): the first failure cancels the others, and
 * all have ended before it is thrown, so nothing runs on after the step has failed.
 */
export async function runSideBySide(signal: AbortSignal, tasks: Task[]): Promise<void> {
  const group = new AbortController();
  const shared = AbortSignal.any([signal, group.signal]);
  const settled = await Promise.allSettled(
    tasks.map((task) =>
      task(shared).catch((err: unknown) => {
        if (!group.signal.aborted) group.abort(new Error('another branch of the same step failed'));
        throw err;
      }),
    ),
  );
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  const failure = failures.find((f) => f instanceof StepFailed) ?? failures[0];
  if (failures.length > 0) throw failure;
}
