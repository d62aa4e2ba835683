import { defineTool, type HandlerContext, READ_ONLY } from '@mcp-fleet/sdk';
import { NO_ARGUMENTS } from '../schemas.js';

/** A read-only probe of the conformance suite, taking no arguments. */
const probe = (
  name: string,
  description: string,
  handler: (ctx: HandlerContext) => Promise<string> | string,
) =>
  defineTool({
    name,
    description,
    inputSchema: NO_ARGUMENTS,
    annotations: READ_ONLY,
    handler: (_args, ctx) => handler(ctx),
  });

/**
 * Conformance's logging probe: logs at four levels, so a client sees exactly those at or above
 * the level it asked for (2026-07-28: `_meta` logLevel; none asked, none sent).
 */
export const loggingTool = probe(
  'test_logging_tool',
  'Logs one message at each of debug, info, warning and error, then answers.',
  (ctx) => {
    for (const level of ['debug', 'info', 'warning', 'error'] as const)
      ctx.log(level, { message: `a ${level} message from test_logging_tool` }, 'test_logging_tool');
    return 'Logged at debug, info, warning and error';
  },
);

/**
 * Conformance's missing-capability probe: it needs sampling, so a client that did not declare it
 * gets MissingRequiredClientCapability (-32021) naming sampling, never a result.
 */
export const missingCapability = probe(
  'test_missing_capability',
  "Needs the client's sampling capability (asks its model one question).",
  async (ctx) => {
    const answer = await ctx.sample({
      messages: [{ role: 'user', content: { type: 'text', text: 'Say ok.' } }],
      maxTokens: 10,
    });
    return `Sampled: ${answer.content && 'text' in answer.content ? answer.content.text : ''}`;
  },
);
