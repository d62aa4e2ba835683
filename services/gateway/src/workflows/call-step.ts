import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
import { render } from './expressions.js';
import type { RunOptions, StepPlace, ToolOutcome } from './run-types.js';
import { StepFailed } from './step-failed.js';
import type { Step } from './workflow-file.js';

type CallStep = Extract<Step, { kind: 'call' }>;
type ToolResult = Extract<ToolOutcome, { result: unknown }>['result'];

/** Transient JSON-RPC errors worth one more try on a tool that may be repeated. */
const TRANSIENT = new Set<number>([ErrorCode.Unavailable, ErrorCode.Timeout]);
const RETRY_BASE_MS = 200;
/** A step's output kept in the record beyond this size is summarised (the variable keeps it whole). */
const RECORD_OUTPUT_LIMIT = 16 * 1024;

function outputOf(result: ToolResult): unknown {
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

/** Calls the tool, and again after a transient error while the tool may be repeated and tries remain. */
async function callWithRetries(
  step: CallStep,
  args: Record<string, unknown>,
  place: StepPlace,
  options: RunOptions,
): Promise<ToolOutcome> {
  const attempts = options.retryable(step.tool) ? step.retries + 1 : 1;
  for (let attempt = 1; ; attempt++) {
    place.record.attempts = attempt;
    const signal = step.timeoutMs
      ? AbortSignal.any([place.signal, AbortSignal.timeout(step.timeoutMs)])
      : place.signal;
    const outcome = await options.call(step.tool, args, signal, place.context);
    if (!('error' in outcome) || !TRANSIENT.has(outcome.error.code) || attempt >= attempts) return outcome;
    await sleep(RETRY_BASE_MS * 2 ** (attempt - 1), undefined, { signal: place.signal });
  }
}

/** Runs a call step: the tool's output goes to the record and, when the step names one, a variable. */
export async function runCallStep(step: CallStep, place: StepPlace, options: RunOptions): Promise<void> {
  place.record.tool = step.tool;
  const args = render(step.arguments, place.scope.vars) as Record<string, unknown>;
  const outcome = await callWithRetries(step, args, place, options);
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
  place.record.output = forRecord(output);
  if (step.output) place.scope.set(step.output, output);
}
