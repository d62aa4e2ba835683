import { UsageError } from './arguments.js';

/** The gateway tools behind `mcp-fleet approvals`: visible to members of an approver role only. */
const LIST = 'fleet_approvals_list';
const DECIDE = 'fleet_approvals_decide';

/**
 * The tool call of `approvals list [<cursor>] | approve <id> | deny <id>` (with `--reason`). The gateway
 * takes the approver from the credentials, so nothing here can name anyone else.
 */
export function approvalsCall(
  words: string[],
  reason: string | undefined,
): { tool: string; args: Record<string, unknown> } {
  const [action, id, ...extra] = words;
  // `list <cursor>` reads the page after the one whose text ended "more: pass cursor <cursor>".
  if (action === 'list' && extra.length === 0)
    return { tool: LIST, args: id === undefined ? {} : { cursor: id } };
  if ((action === 'approve' || action === 'deny') && id && extra.length === 0)
    return {
      tool: DECIDE,
      args: { id, decision: action, ...(reason === undefined ? {} : { reason }) },
    };
  throw new UsageError(
    'approvals takes: list [cursor] | approve <id> [--reason text] | deny <id> [--reason text]',
  );
}
