import { TASK_AFTER_INPUT_META, TASK_SUPPORTS, type TaskSupport } from '@mcp-fleet/contract';
import { isObject, type JsonObject } from '../protocol/messages.js';

/** How a tool runs for a client that opted into the tasks extension, as its definition declares. */
export interface TaskMode {
  support: TaskSupport;
  /** The first input it asks for is gathered in an input_required round before the task exists. */
  afterInput: boolean;
}

export const NO_TASKS: TaskMode = { support: 'forbidden', afterInput: false };

/** The task mode of a provider's tool definition: `forbidden` unless it declares a known one. */
export function taskModeOf(definition: JsonObject): TaskMode {
  const declared = isObject(definition.execution) ? definition.execution.taskSupport : undefined;
  const support = TASK_SUPPORTS.find((known) => known === declared) ?? 'forbidden';
  if (support === 'forbidden') return NO_TASKS;
  const meta = isObject(definition._meta) ? definition._meta : {};
  return { support, afterInput: meta[TASK_AFTER_INPUT_META] === true };
}
