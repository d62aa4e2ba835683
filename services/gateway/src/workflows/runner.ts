import type { RunOptions, RunResult, StepRecord } from './run-types.js';
import { Scope } from './scope.js';
import { StepFailed } from './step-failed.js';
import { StepRunner } from './step-runner.js';
import type { Workflow, WorkflowLimits } from './workflow-file.js';

export type { RunOptions, RunResult, StepRecord, ToolOutcome } from './run-types.js';

/** Runs a workflow to its end, a failure, its limits or cancellation; never throws for those. */
export async function runWorkflow(
  workflow: Workflow,
  inputs: Record<string, unknown>,
  options: RunOptions,
): Promise<RunResult> {
  const deadline = AbortSignal.timeout(workflow.limits.timeoutMs);
  const signal = AbortSignal.any([options.signal, deadline]);
  const root = new Scope({ inputs });
  const steps: StepRecord[] = [];
  try {
    await new StepRunner(workflow, options).runSequence(
      workflow.steps,
      root,
      options.traceContext,
      steps,
      signal,
    );
    return { status: 'ok', steps, outputs: root.assigned };
  } catch (err) {
    return { ...endedEarly(err, workflow.limits, deadline), steps, outputs: root.assigned };
  }
}

/** How a run that did not reach its end ended: a failed step, its time limit, or the caller. */
function endedEarly(
  err: unknown,
  limits: WorkflowLimits,
  deadline: AbortSignal,
): Pick<RunResult, 'status' | 'error'> {
  if (err instanceof StepFailed)
    return {
      status: 'failed',
      error: {
        step: err.step,
        ...(err.code === undefined ? {} : { code: err.code }),
        message: err.message,
      },
    };
  const timedOut = deadline.aborted;
  return {
    status: timedOut ? 'failed' : 'cancelled',
    error: {
      message: timedOut
        ? `limit reached: the workflow ran longer than ${limits.timeoutMs} ms`
        : 'cancelled by the caller',
    },
  };
}
