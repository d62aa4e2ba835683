import type { HandlerContext } from '@mcp-fleet/sdk';
import { Refused } from './api.js';

/** Whether destructive writes ask the user first (MCP elicitation); refused when the client cannot ask. */
export type Confirm = 'destructive' | 'never';

/**
 * Asks the user, through the client (MCP elicitation), to allow a destructive write. Closed by
 * default: a client that cannot ask, a decline or a cancel all refuse the write.
 */
export async function confirmed(confirm: Confirm, ctx: HandlerContext, what: string): Promise<void> {
  if (confirm === 'never') return;
  if (ctx.clientCapabilities.elicitation === undefined)
    throw new Refused(
      `${what} needs the user's confirmation and the client cannot ask (no MCP elicitation); nothing was changed`,
    );
  const answer = await ctx.elicit({
    message: `Allow the Kubernetes provider to ${what}?`,
    requestedSchema: {
      type: 'object',
      properties: { confirm: { type: 'boolean', title: `Yes, ${what}` } },
      required: ['confirm'],
    },
  });
  if (answer.action !== 'accept' || answer.content?.confirm !== true)
    throw new Refused(`the user did not confirm: ${what} (${answer.action}); nothing was changed`);
}
