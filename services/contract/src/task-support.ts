/**
 * How a tool runs for a client that opted into the MCP tasks extension (MCP Tool
 * `execution.taskSupport`): `forbidden` never as a task, `optional` as a task when the client
 * opted in, `required` only as a task (a client that did not opt in is refused with -32021).
 */
export type TaskSupport = 'forbidden' | 'optional' | 'required';

export const TASK_SUPPORTS: readonly TaskSupport[] = ['forbidden', 'optional', 'required'];

/**
 * The tool `_meta` key saying that the first input the handler asks for is gathered from the
 * client synchronously (an input_required round) before the call becomes a task.
 */
export const TASK_AFTER_INPUT_META = 'io.mcp-fleet/taskAfterInput';
