import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
import { type Context, failSpan, trace } from '@mcp-fleet/sdk/telemetry';
import { evaluate, parseExpression, render, truthy } from './expressions.js';
import type { Step, Workflow } from './workflow-file.js';

/** A tool's answer as the workflow sees it: the CallToolResult, or a JSON-RPC error. */
export type ToolOutcome =
  | {
      result: { isError?: boolean; structuredContent?: unknown; content?: { type: string; text?: string }[] };
    }
  | { error: { code: number; message: string } };

export interface RunOptions {
  /** One inner call, made as the workflow's caller (policy, limits and audit apply). */
  call(
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
    traceContext: Context,
  ): Promise<ToolOutcome>;
  /** Whether a tool may be called again after a transient failure (read-only or idempotent). */
  retryable(tool: string): boolean;
  /** After each finished step: how many have finished and what just happened. */
  progress(done: number, message: string): void;
  signal: AbortSignal;
  traceContext: Context;
}

export interface StepRecord {
  id: string;
  kind: Step['kind'];
  status: 'ok' | 'failed';
  durationMs: number;
  tool?: string;
  attempts?: number;
  output?: unknown;
  error?: { code?: number; message: string };
  /** The branch an `if` took. */
  branch?: 'then' | 'else';
  /** Per iteration of a for_each, or per branch of a parallel: the records of its steps. */
  runs?: StepRecord[][];
}

export interface RunResult {
  status: 'ok' | 'failed' | 'cancelled';
  error?: { step?: string; code?: number; message: string };
  steps: StepRecord[];
  /** Every variable the workflow assigned (outputs and set). */
  outputs: Record<string, unknown>;
}

/** A step failed and nothing above it continues past failures. */
class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Transient JSON-RPC errors worth one more try on a tool that may be repeated. */
const TRANSIENT = new Set<number>([ErrorCode.Unavailable, ErrorCode.Timeout]);
const RETRY_BASE_MS = 200;
/** A step's output kept in the record beyond this size is summarised (the variable keeps it whole). */
const RECORD_OUTPUT_LIMIT = 16 * 1024;

/** Variables visible to a step, and those it assigned in its own scope (an iteration, a branch). */
class Scope {
  readonly assigned: Record<string, unknown> = {};
  constructor(readonly vars: Record<string, unknown>) {}
  set(name: string, value: unknown) {
    this.vars[name] = value;
    this.assigned[name] = value;
  }
  child(extra: Record<string, unknown>) {
    return new Scope({ ...this.vars, ...extra });
  }
}

const tracer = () => trace.getTracer('mcp-fleet-gateway');

function outputOf(result: Extract<ToolOutcome, { result: unknown }>['result']): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const text = result.content?.find((c) => c.type === 'text')?.text;
  if (text === undefined) return result.content ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const forRecord = (value: unknown) => {
  const size = JSON.stringify(value ?? null).length;
  return size > RECORD_OUTPUT_LIMIT ? `(${size} bytes of output, kept in the variable)` : value;
};

/** Runs a workflow to its end, a failure, its limits or cancellation; never throws for those. */
export async function runWorkflow(
  workflow: Workflow,
  inputs: Record<string, unknown>,
  options: RunOptions,
): Promise<RunResult> {
  const { limits } = workflow;
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const signal = AbortSignal.any([options.signal, deadline]);
  let executed = 0;
  let finished = 0;

  /** Runs one step and adds its record to `into`, also when it fails. */
  const runStep = async (
    step: Step,
    scope: Scope,
    parent: Context,
    into: StepRecord[],
    signal: AbortSignal,
  ): Promise<void> => {
    if (signal.aborted) throw signal.reason;
    executed += 1;
    if (executed > limits.maxSteps)
      throw new StepFailed(step.id, undefined, `limit reached: more than ${limits.maxSteps} steps`);
    const span = tracer().startSpan(
      `workflow step ${step.id}`,
      {
        attributes: {
          'mcp.workflow.name': workflow.name,
          'mcp.workflow.step': step.id,
          'mcp.workflow.step.kind': step.kind,
        },
      },
      parent,
    );
    const context = trace.setSpan(parent, span);
    const started = performance.now();
    const record: StepRecord = { id: step.id, kind: step.kind, status: 'ok', durationMs: 0 };
    into.push(record);
    try {
      await execute(step, scope, context, record, signal);
    } catch (err) {
      if (signal.aborted && !(err instanceof StepFailed)) {
        record.status = 'failed';
        record.error = { message: `cancelled: ${(signal.reason as Error)?.message ?? 'aborted'}` };
        throw err;
      }
      const failure =
        err instanceof StepFailed
          ? err
          : new StepFailed(step.id, undefined, `step "${step.id}": ${(err as Error).message}`);
      record.status = 'failed';
      record.error = {
        ...(failure.code === undefined ? {} : { code: failure.code }),
        message: failure.message,
      };
      failSpan(span, String(failure.code ?? 'failed'), failure.message);
      if (!step.continueOnFailure) throw failure;
    } finally {
      record.durationMs = Math.round(performance.now() - started);
      span.end();
      finished += 1;
      options.progress(finished, `step ${step.id}: ${record.status}`);
    }
  };

  /**
   * Runs tasks side by side (branches, loop workers): the first failure cancels the others, and
   * all have ended before it is thrown, so nothing runs on after the step has failed.
   */
  const together = async (signal: AbortSignal, tasks: ((signal: AbortSignal) => Promise<void>)[]) => {
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
  };

  const execute = async (
    step: Step,
    scope: Scope,
    context: Context,
    record: StepRecord,
    signal: AbortSignal,
  ) => {
    switch (step.kind) {
      case 'call': {
        record.tool = step.tool;
        const args = render(step.arguments, scope.vars) as Record<string, unknown>;
        const attempts = options.retryable(step.tool) ? step.retries + 1 : 1;
        let outcome: ToolOutcome | undefined;
        for (let attempt = 1; attempt <= attempts; attempt++) {
          record.attempts = attempt;
          const stepSignal = step.timeoutMs
            ? AbortSignal.any([signal, AbortSignal.timeout(step.timeoutMs)])
            : signal;
          outcome = await options.call(step.tool, args, stepSignal, context);
          if (!('error' in outcome) || !TRANSIENT.has(outcome.error.code) || attempt === attempts) break;
          await sleep(RETRY_BASE_MS * 2 ** (attempt - 1), undefined, { signal });
        }
        if (!outcome) return;
        if ('error' in outcome)
          throw new StepFailed(
            step.id,
            outcome.error.code,
            `step "${step.id}" (${step.tool}): ${outcome.error.message}`,
          );
        const output = outputOf(outcome.result);
        if (outcome.result.isError)
          throw new StepFailed(
            step.id,
            undefined,
            `step "${step.id}" (${step.tool}) failed: ${typeof output === 'string' ? output : JSON.stringify(output)}`,
          );
        record.output = forRecord(output);
        if (step.output) scope.set(step.output, output);
        return;
      }
      case 'set':
        for (const [name, value] of Object.entries(
          render(step.values, scope.vars) as Record<string, unknown>,
        ))
          scope.set(name, value);
        return;
      case 'if': {
        const taken = truthy(evaluate(parseExpression(step.condition), scope.vars));
        record.branch = taken ? 'then' : 'else';
        record.runs = [[]];
        for (const inner of taken ? step.whenTrue : step.whenFalse)
          await runStep(inner, scope, context, record.runs[0] ?? [], signal);
        return;
      }
      case 'for_each': {
        const items = evaluate(parseExpression(step.items), scope.vars);
        if (!Array.isArray(items))
          throw new StepFailed(step.id, undefined, `step "${step.id}": ${step.items} is not a list`);
        if (items.length > limits.maxIterations)
          throw new StepFailed(
            step.id,
            undefined,
            `step "${step.id}": loop bound hit: ${items.length} items, the limit is ${limits.maxIterations}`,
          );
        const runs: StepRecord[][] = new Array(items.length);
        const results: Record<string, unknown>[] = new Array(items.length);
        let next = 0;
        const worker = async (loop: AbortSignal) => {
          while (next < items.length && !loop.aborted) {
            const index = next++;
            const iteration = scope.child({ [step.as]: items[index] });
            runs[index] = [];
            for (const inner of step.steps) await runStep(inner, iteration, context, runs[index], loop);
            results[index] = iteration.assigned;
          }
        };
        try {
          await together(
            signal,
            Array.from({ length: Math.min(step.concurrency, items.length) }, () => worker),
          );
        } finally {
          record.runs = runs.filter(Boolean);
        }
        if (step.output) scope.set(step.output, results);
        return;
      }
      case 'parallel': {
        const scopes = step.branches.map(() => scope.child({}));
        const runs: StepRecord[][] = step.branches.map(() => []);
        record.runs = runs;
        await together(
          signal,
          step.branches.map((branch, i) => async (shared: AbortSignal) => {
            for (const inner of branch)
              await runStep(inner, scopes[i] as Scope, context, runs[i] as StepRecord[], shared);
          }),
        );
        if (step.output)
          scope.set(
            step.output,
            scopes.map((s) => s.assigned),
          );
        return;
      }
    }
  };

  const root = new Scope({ inputs });
  const steps: StepRecord[] = [];
  try {
    for (const step of workflow.steps) await runStep(step, root, options.traceContext, steps, signal);
    return { status: 'ok', steps, outputs: root.assigned };
  } catch (err) {
    if (err instanceof StepFailed)
      return {
        status: 'failed',
        error: {
          step: err.step,
          ...(err.code === undefined ? {} : { code: err.code }),
          message: err.message,
        },
        steps,
        outputs: root.assigned,
      };
    const timedOut = deadline.aborted;
    return {
      status: timedOut ? 'failed' : 'cancelled',
      error: {
        message: timedOut
          ? `limit reached: the workflow ran longer than ${limits.timeoutMs} ms`
          : 'cancelled by the caller',
      },
      steps,
      outputs: root.assigned,
    };
  }
}
