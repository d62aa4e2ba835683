import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import { NO_ARGUMENTS } from '../schemas.js';

/** Delay between the steps of the logging, progress and reconnection fixtures. */
const STEP_MS = 50;

/** How soon test_reconnection asks the client to come back after its stream is released. */
const RECONNECT_RETRY_MS = 100;

export const withLogging = defineTool({
  name: 'test_tool_with_logging',
  description: 'Sends three info log notifications while it runs.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    ctx.log('info', 'Tool execution started');
    await sleep(STEP_MS, undefined, { signal: ctx.signal });
    ctx.log('info', 'Tool processing data');
    await sleep(STEP_MS, undefined, { signal: ctx.signal });
    ctx.log('info', 'Tool execution completed');
    return 'Tool with logging executed successfully';
  },
});

export const withProgress = defineTool({
  name: 'test_tool_with_progress',
  description: 'Reports progress 0, 50 and 100 out of 100.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    for (const step of [0, 50, 100]) {
      if (step > 0) await sleep(STEP_MS, undefined, { signal: ctx.signal });
      ctx.progress(step, 100, `step ${step / 50 + 1} of 3`);
    }
    return 'Tool with progress executed successfully';
  },
});

export const reconnection = defineTool({
  name: 'test_reconnection',
  description:
    'Runs long enough for the gateway to close the SSE stream mid-call, so the client must resume it (SEP-1699).',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    ctx.detach(RECONNECT_RETRY_MS);
    await sleep(STEP_MS * 4, undefined, { signal: ctx.signal });
    return 'Reconnection test completed successfully';
  },
});
