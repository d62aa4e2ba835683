import { ErrorCode } from '@mcp-fleet/contract';
import { UsageError } from './arguments.js';
import { rpcFailureOf } from './error-code.js';

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

/** The caller holds no approver role: the gateway serves it no approval tool. */
export class NotAnApprover extends Error {}

/**
 * What an `approvals` command's failure means: the gateway answers a caller of no approver role as
 * it answers any tool it does not serve (it does not tell who approves), which is no bad command line.
 */
export function approvalsFailure(err: unknown, tool: string): unknown {
  const failure = rpcFailureOf(err);
  const unknownTool =
    failure?.code === ErrorCode.InvalidParams &&
    String((err as Error).message).includes(`Unknown tool: ${tool}`);
  return unknownTool
    ? new NotAnApprover(
        `approvals: you hold no approver role (a role some policy rule names in approval.role) on this gateway, so it serves you no ${tool}`,
      )
    : err;
}
