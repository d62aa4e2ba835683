import { type Context, failSpan, type Span, startSpan, trace } from '@mcp-fleet/runtime/telemetry';
import { runCallStep } from './call-step.js';
import { evaluate, parseExpression, render, truthy } from './expressions.js';
import type { RunOptions, StepPlace, StepRecord } from './run-types.js';
import type { Scope } from './scope.js';
import { runSideBySide } from './side-by-side.js';
import { StepFailed } from './step-failed.js';
import type { Step, Workflow } from './workflow-file.js';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/** Runs the steps of one workflow run, counting them against its step limit and reporting progress. */
export class StepRunner {
  private executed = 0;
  private finished = 0;

  constructor(
    private readonly workflow: Workflow,
    private readonly options: RunOptions,
  ) {}

  /** Runs steps one after the other, adding their records to `into`. */
  async runSequence(
    steps: Step[],
    scope: Scope,
    context: Context,
    into: StepRecord[],
    signal: AbortSignal,
  ): Promise<void> {
    for (const step of steps) await this.runStep(step, scope, context, into, signal);
  }

  /** Runs one step and adds its record to `into`, also when it fails. */
  private async runStep(
    step: Step,
    scope: Scope,
    parent: Context,
    into: StepRecord[],
    signal: AbortSignal,
  ): Promise<void> {
    if (signal.aborted) throw signal.reason;
    this.count(step);
    const span = this.startSpan(step, parent);
    const context = trace.setSpan(parent, span);
    const started = performance.now();
    const record: StepRecord = { id: step.id, kind: step.kind, status: 'ok', durationMs: 0 };
    into.push(record);
    try {
      await this.execute(step, { scope, context, record, signal });
    } catch (err) {
      this.recordFailure(step, record, span, err, signal);
    } finally {
      record.durationMs = Math.round(performance.now() - started);
      span.end();
      this.finished += 1;
      this.options.progress(this.finished, `step ${step.id}: ${record.status}`);
    }
  }

  private count(step: Step): void {
    const { maxSteps } = this.workflow.limits;
    this.executed += 1;
    if (this.executed > maxSteps)
      throw new StepFailed(step.id, undefined, `limit reached: more than ${maxSteps} steps`);
  }

  private startSpan(step: Step, parent: Context): Span {
    return startSpan(
      `workflow step ${step.id}`,
      {
        attributes: {
          'mcp.workflow.name': this.workflow.name,
          'mcp.workflow.step': step.id,
          'mcp.workflow.step.kind': step.kind,
        },
      },
      parent,
    );
  }

  /**
   * Puts a failure on the step's record and span, then throws it on unless the step continues
   * past failures; a cancellation always goes on up.
   */
  private recordFailure(step: Step, record: StepRecord, span: Span, err: unknown, signal: AbortSignal): void {
    record.status = 'failed';
    if (signal.aborted && !(err instanceof StepFailed)) {
      record.error = { message: `cancelled: ${(signal.reason as Error)?.message ?? 'aborted'}` };
      throw err;
    }
    const failure =
      err instanceof StepFailed
        ? err
        : new StepFailed(step.id, undefined, `step "${step.id}": ${(err as Error).message}`);
    record.error = {
      ...(failure.code === undefined ? {} : { code: failure.code }),
      message: failure.message,
    };
    failSpan(span, String(failure.code ?? 'failed'), failure.message);
    if (!step.continueOnFailure) throw failure;
  }

  private execute(step: Step, place: StepPlace): Promise<void> {
    switch (step.kind) {
      case 'call':
        return runCallStep(step, place, this.options);
      case 'set':
        return this.runSet(step, place);
      case 'if':
        return this.runIf(step, place);
      case 'for_each':
        return this.runForEach(step, place);
      case 'parallel':
        return this.runParallel(step, place);
    }
  }

  private async runSet(step: StepOf<'set'>, { scope }: StepPlace): Promise<void> {
    for (const [name, value] of Object.entries(render(step.values, scope.vars) as Record<string, unknown>))
      scope.set(name, value);
  }

  private async runIf(step: StepOf<'if'>, { scope, context, record, signal }: StepPlace): Promise<void> {
    const taken = truthy(evaluate(parseExpression(step.condition), scope.vars));
    const runs: StepRecord[] = [];
    record.branch = taken ? 'then' : 'else';
    record.runs = [runs];
    await this.runSequence(taken ? step.whenTrue : step.whenFalse, scope, context, runs, signal);
  }

  /** Iterations run on `concurrency` workers; each has its own scope, whose assignments are its result. */
  private async runForEach(step: StepOf<'for_each'>, place: StepPlace): Promise<void> {
    const { scope, context, record, signal } = place;
    const items = loopItems(step, scope, this.workflow.limits.maxIterations);
    const runs: StepRecord[][] = new Array(items.length);
    const results: Record<string, unknown>[] = new Array(items.length);
    let next = 0;
    const worker = async (loop: AbortSignal) => {
      while (next < items.length && !loop.aborted) {
        const index = next++;
        const iteration = scope.child({ [step.as]: items[index] });
        const into: StepRecord[] = [];
        runs[index] = into;
        await this.runSequence(step.steps, iteration, context, into, loop);
        results[index] = iteration.assigned;
      }
    };
    try {
      await runSideBySide(
        signal,
        Array.from({ length: Math.min(step.concurrency, items.length) }, () => worker),
      );
    } finally {
      record.runs = runs.filter(Boolean);
    }
    if (step.output) scope.set(step.output, results);
  }

  /** Each branch runs in its own scope; the branches' assignments, in order, are the step's output. */
  private async runParallel(step: StepOf<'parallel'>, place: StepPlace): Promise<void> {
    const { scope, context, record, signal } = place;
    const scopes = step.branches.map(() => scope.child({}));
    const runs: StepRecord[][] = step.branches.map(() => []);
    record.runs = runs;
    await runSideBySide(
      signal,
      step.branches.map(
        (branch, i) => (shared: AbortSignal) =>
          this.runSequence(branch, scopes[i] as Scope, context, runs[i] as StepRecord[], shared),
      ),
    );
    if (step.output)
      scope.set(
        step.output,
        scopes.map((s) => s.assigned),
      );
  }
}

/** The list a for_each goes through, refused when it is not a list or longer than the loop bound. */
function loopItems(step: StepOf<'for_each'>, scope: Scope, maxIterations: number): unknown[] {
  const items = evaluate(parseExpression(step.items), scope.vars);
  if (!Array.isArray(items))
    throw new StepFailed(step.id, undefined, `step "${step.id}": ${step.items} is not a list`);
  if (items.length > maxIterations)
    throw new StepFailed(
      step.id,
      undefined,
      `step "${step.id}": loop bound hit: ${items.length} items, the limit is ${maxIterations}`,
    );
  return items;
}
