import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool, FleetError, READ_ONLY } from '@mcp-fleet/sdk';
import { NO_ARGUMENTS } from '../schemas.js';
import { askField } from './input-required.js';

/**
 * The conformance suite's tasks-extension fixtures (SEP-2663). The gateway decides whether a call
 * becomes a task from `taskSupport` and the client's opt-in; the handlers are ordinary ones.
 */

/** How long failing_job and protocol_error_job work before they fail. */
const FAIL_AFTER_MS = 1_000;

const text = (value: string) => ({ type: 'string', description: value });

export const greet = defineTool({
  name: 'greet',
  description: 'Greets by name, synchronously (never a task).',
  inputSchema: { type: 'object', properties: { name: text('who to greet') }, required: ['name'] },
  annotations: READ_ONLY,
  handler: ({ name }) => `Hello, ${String(name)}!`,
});

export const slowCompute = defineTool({
  name: 'slow_compute',
  description:
    'Works for `seconds` seconds, then answers with its label; runs as a task when the client can.',
  inputSchema: {
    type: 'object',
    properties: { seconds: { type: 'number', minimum: 0, maximum: 3600 }, label: text('a name for the run') },
    required: ['seconds'],
  },
  annotations: READ_ONLY,
  taskSupport: 'optional',
  async handler({ seconds, label }, ctx) {
    await sleep(Number(seconds) * 1000, undefined, { signal: ctx.signal });
    return `Computed ${String(label ?? 'result')} after ${Number(seconds)}s`;
  },
});

/** A task-supporting tool that works about a second, then throws `failure`. */
const failsAfterASecond = (name: string, description: string, failure: () => Error, required: boolean) =>
  defineTool({
    name,
    description,
    inputSchema: NO_ARGUMENTS,
    taskSupport: required ? 'required' : 'optional',
    async handler(_args, ctx) {
      await sleep(FAIL_AFTER_MS, undefined, { signal: ctx.signal });
      throw failure();
    },
  });

export const failingJob = failsAfterASecond(
  'failing_job',
  'Always ends in a tool execution error after about a second; only runs as a task.',
  () => new Error('Tool execution failed'),
  true,
);

export const protocolErrorJob = failsAfterASecond(
  'protocol_error_job',
  'Always ends in a JSON-RPC (protocol) error after about a second.',
  () => new FleetError('InternalError', 'protocol_error_job failed at the protocol level'),
  false,
);

export const confirmDelete = defineTool({
  name: 'confirm_delete',
  description: 'Asks the user to confirm (one elicitation), then reports whether it deleted `filename`.',
  inputSchema: { type: 'object', properties: { filename: text('the file') }, required: ['filename'] },
  taskSupport: 'optional',
  async handler({ filename }, ctx) {
    const answer = await ctx.elicit({
      message: `Delete ${String(filename)}?`,
      requestedSchema: {
        type: 'object',
        properties: { confirm: { type: 'boolean' } },
        required: ['confirm'],
      },
    });
    const confirmed = answer.action === 'accept' && answer.content?.confirm === true;
    return confirmed ? `Deleted ${String(filename)}` : `Kept ${String(filename)} (${answer.action})`;
  },
});

export const multiInput = defineTool({
  name: 'multi_input',
  description: 'Asks two questions at once (keys first and second), then reports both answers.',
  inputSchema: NO_ARGUMENTS,
  taskSupport: 'optional',
  async handler(_args, ctx) {
    const [first, second] = await Promise.all([
      askField(ctx, 'first', 'First value?', 'name'),
      askField(ctx, 'second', 'Second value?', 'name'),
    ]);
    return `Got ${first} and ${second}`;
  },
});

export const toolWithTask = defineTool({
  name: 'test_tool_with_task',
  description: 'Asks for a name (key user_name) before it becomes a task, then greets as the task.',
  inputSchema: NO_ARGUMENTS,
  taskSupport: 'required',
  inputBeforeTask: true,
  async handler(_args, ctx) {
    return `Hello, ${await askField(ctx, 'user_name', 'What is your name?', 'name')}!`;
  },
});
