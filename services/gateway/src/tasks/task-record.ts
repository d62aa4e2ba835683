import type { WireError } from '@mcp-fleet/contract';
import type { InputRequest } from '../input-required/input-requests.js';
import type { JsonObject } from '../protocol/messages.js';

/** The id of the MCP tasks extension (SEP-2663), as capabilities name it. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

export const isTerminal = (status: TaskStatus) => TERMINAL.has(status);

/** A task as every replica reads it from the store. */
export interface TaskRecord {
  taskId: string;
  /** The caller it belongs to: any other principal is told it does not exist. */
  principal: string;
  /** The replica running its provider call: where updates and cancels go. */
  replica: string;
  tool: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs: number;
  /** While input_required: what is still unanswered, by key. */
  inputRequests?: Record<string, InputRequest>;
  /** When completed: the call's result, as the provider's JSON text. */
  result?: string;
  /** When failed: the JSON-RPC error it ended with. */
  error?: WireError;
}

/** What a state change of a task sets (status and what goes with it). */
export type TaskChange = Pick<TaskRecord, 'status'> &
  Partial<Pick<TaskRecord, 'statusMessage' | 'inputRequests' | 'result' | 'error'>>;

/** The record after `change`: fields of the status it leaves are dropped, lastUpdatedAt is now. */
export function changed(record: TaskRecord, change: TaskChange): TaskRecord {
  const { statusMessage: _m, inputRequests: _i, result: _r, error: _e, ...kept } = record;
  return { ...kept, ...change, lastUpdatedAt: new Date().toISOString() };
}

/** The fields of the Task every answer about it carries (CreateTaskResult, DetailedTask). */
function taskFields(record: TaskRecord): JsonObject {
  return {
    taskId: record.taskId,
    status: record.status,
    ...(record.statusMessage ? { statusMessage: record.statusMessage } : {}),
    createdAt: record.createdAt,
    lastUpdatedAt: record.lastUpdatedAt,
    ttlMs: record.ttlMs,
    pollIntervalMs: record.pollIntervalMs,
  };
}

/** The answer to the tools/call that created the task: flat, nothing of its outcome. */
export function createTaskResult(record: TaskRecord): JsonObject {
  return { resultType: 'task', ...taskFields(record) };
}

/** tasks/get: the task, with what its status carries (inputRequests, result or error) inlined. */
export function detailedTask(record: TaskRecord): JsonObject {
  const detail: JsonObject = { resultType: 'complete', ...taskFields(record) };
  if (record.status === 'input_required') detail.inputRequests = record.inputRequests ?? {};
  if (record.status === 'completed' && record.result !== undefined)
    detail.result = { resultType: 'complete', ...(JSON.parse(record.result) as JsonObject) };
  if (record.status === 'failed' && record.error) detail.error = record.error as unknown as JsonObject;
  return detail;
}
