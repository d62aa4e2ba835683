import type { Context } from '@mcp-fleet/runtime/telemetry';
import type { Scope } from './scope.js';
import type { Step } from './workflow-file.js';

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

/** Where one step runs: its variables, trace context, record, and the signal that cancels it. */
export interface StepPlace {
  scope: Scope;
  context: Context;
  record: StepRecord;
  signal: AbortSignal;
}
