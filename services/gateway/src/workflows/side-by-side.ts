import { StepFailed } from './step-failed.js';

export type Task = (signal: AbortSignal) => Promise<void>;

/**
 * Runs tasks side by side (branches, loop workers): the first failure cancels the others, and
 * all have ended before it is thrown, so nothing runs on after the step has failed. Failures are
 * kept in the order they happened: the one thrown is what failed first, not a sibling's
 * cancellation that it caused (whatever their places in the step).
 */
export async function runSideBySide(signal: AbortSignal, tasks: Task[]): Promise<void> {
  const group = new AbortController();
  const shared = AbortSignal.any([signal, group.signal]);
  const failures: unknown[] = [];
  await Promise.allSettled(
    tasks.map((task) =>
      task(shared).catch((err: unknown) => {
        failures.push(err);
        if (!group.signal.aborted) group.abort(new Error('another branch of the same step failed'));
        throw err;
      }),
    ),
  );
  const failure = failures.find((f) => f instanceof StepFailed) ?? failures[0];
  if (failures.length > 0) throw failure;
}
