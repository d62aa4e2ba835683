import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import { NO_ARGUMENTS } from '../schemas.js';

/**
 * Conformance's logging probe: logs at four levels, so a client sees exactly those at or above
 * the level it asked for (2026-07-28: `_meta` logLevel; none asked, none sent).
 */
export const loggingTool = defineTool({
  name: 'test_logging_tool',
  description: 'Logs one message at each of debug, info, warning and error, then answers.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler(_args, ctx) {
    for (const level of ['debug', 'info', 'warning', 'error'] as const)
      ctx.log(level, { message: `a ${level} message from test_logging_tool` }, 'test_logging_tool');
    return 'Logged at debug, info, warning and error';
  },
});

/**
 * Conformance's missing-capability probe: it needs sampling, so a client that did not declare it
 * gets MissingRequiredClientCapability (-32021) naming sampling, never a result.
 */
export const missingCapability = defineTool({
  name: 'test_missing_capability',
  description: "Needs the client's sampling capability (asks its model one question).",
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    const answer = await ctx.sample({
      messages: [{ role: 'user', content: { type: 'text', text: 'Say ok.' } }],
      maxTokens: 10,
    });
    return `Sampled: ${answer.content && 'text' in answer.content ? answer.content.text : ''}`;
  },
});
