import { randomBytes } from 'node:crypto';
import { FleetError, INPUT_KEY_META } from '@mcp-fleet/contract';
import { argumentDigest } from '../audit/audit-log.js';
import { askClient } from '../dispatch/provider-call.js';
import { followSignal } from '../engine/cancellation.js';
import type { RequestContext } from '../engine/request-context.js';
import type { ServerRequests } from '../engine/server-requests.js';
import { APPROVAL_META, missingCapability } from '../input-required/input-requests.js';
import { invalidParams } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';
import type { ApprovalEvents } from './approval-events.js';
import type { ApprovalRequirement } from './approval-rule.js';

/** The inputRequests key of a caller approval on 2026-07-28. */
export const APPROVAL_INPUT_KEY = 'approval';
/** How much of each argument's value the question quotes; every key is always shown. */
const SHOWN_VALUE_CHARS = 500;
/** A question longer than this (thousands of keys) is not asked: the call is refused. */
const MAX_QUESTION_CHARS = 20_000;

/** Every argument on a line of its own, each value cut at SHOWN_VALUE_CHARS: no key is ever left out. */
function shownArguments(args: JsonObject): string {
  return Object.entries(args)
    .map(([key, value]) => {
      const text = JSON.stringify(value) ?? 'null';
      const cut =
        text.length > SHOWN_VALUE_CHARS
          ? `${text.slice(0, SHOWN_VALUE_CHARS)}…(${text.length - SHOWN_VALUE_CHARS} more characters)`
          : text;
      return `  ${JSON.stringify(key)}: ${cut}`;
    })
    .join('\n');
}

export function approvalDenied(message: string, data: JsonObject): FleetError {
  return new FleetError('ApprovalDenied', message, { data });
}

/** The question put to the caller: the tool, its arguments and the rule, and one box to tick. */
function question(tool: string, args: JsonObject, rule: string, digest: string): JsonObject {
  return {
    mode: 'form',
    message: `Policy rule ${rule} requires your approval to call ${tool} with these arguments (${digest}):\n${shownArguments(args)}`,
    requestedSchema: {
      type: 'object',
      properties: {
        approve: { type: 'boolean', title: `Run ${tool}`, description: 'Tick to let this call run' },
      },
      required: ['approve'],
    },
    _meta: {
      [INPUT_KEY_META]: APPROVAL_INPUT_KEY,
      [APPROVAL_META]: { tool, arguments: args, digest, rule },
    },
  };
}

/**
 * Asks the calling user itself whether the call may run (elicitation: a server→client request on
 * a 2025 session, an input_required round on 2026-07-28, whose signed requestState binds the
 * answer to this caller, these exact params and this round). Only an accept that ticks `approve`
 * lets the call run. A client that declared no form elicitation cannot be asked: refused.
 */
export async function askCaller(
  ctx: RequestContext,
  serverRequests: ServerRequests,
  events: ApprovalEvents,
  call: {
    tool: string;
    args: JsonObject;
    requirement: Extract<ApprovalRequirement, { by: 'caller' }>;
    /** How long the caller has to answer (MCPFLEET_APPROVAL_TIMEOUT). */
    timeoutMs: number;
  },
): Promise<void> {
  const { tool, args, requirement } = call;
  const digest = argumentDigest(args);
  const approval = {
    id: randomBytes(12).toString('base64url'),
    by: 'caller' as const,
    rule: requirement.rule,
  };
  const record = (outcome: Parameters<ApprovalEvents['record']>[0]['outcome']) =>
    events.record({
      actor: ctx.caller,
      sessionId: ctx.session.id,
      tool,
      args,
      outcome,
      // The caller decides its own approval: it is the approver of what it answered.
      approval:
        outcome === 'approved' || outcome === 'declined'
          ? { ...approval, approver: ctx.caller.principal }
          : approval,
      traceId: ctx.traceId,
    });
  const params = question(tool, args, requirement.rule, digest);
  if (String(params.message).length > MAX_QUESTION_CHARS)
    throw invalidParams(
      `${tool} needs your approval (policy rule ${requirement.rule}), but its arguments have too many keys to show in the question`,
    );
  const missing = missingCapability({ method: 'elicitation/create', params }, ctx.session.clientCapabilities);
  if (missing) {
    record('unavailable');
    throw new FleetError(
      'MissingClientCapability',
      `${tool} needs your approval (policy rule ${requirement.rule}), but this client declared no form elicitation capability to ask it with`,
      { data: { requiredCapabilities: missing, rule: requirement.rule } },
    );
  }
  record('requested');
  // On a 2025 session nothing else bounds the question; on 2026-07-28 the parked call's TTL does too.
  const deadline = AbortSignal.timeout(call.timeoutMs);
  let answer: JsonObject;
  try {
    answer = await askClient(
      { ...ctx, cancellation: followSignal(AbortSignal.any([ctx.cancellation.signal, deadline])) },
      serverRequests,
      'tools/call',
      'elicitation/create',
      params,
    );
  } catch (err) {
    // The question could not be answered: the client went away, took too long, or answered an error.
    if (ctx.cancellation.aborted) record('withdrawn');
    else if (deadline.aborted) {
      record('timeout');
      throw approvalDenied(
        `You did not answer the approval of ${tool} in time (policy rule ${requirement.rule})`,
        {
          reason: 'timeout',
          approval: approval.id,
          rule: requirement.rule,
        },
      );
    }
    throw err;
  }
  const content = (answer.content ?? {}) as JsonObject;
  if (answer.action === 'accept' && content.approve === true) {
    record('approved');
    return;
  }
  record('declined');
  throw approvalDenied(`You did not approve the call of ${tool} (policy rule ${requirement.rule})`, {
    reason: 'declined',
    approval: approval.id,
    rule: requirement.rule,
  });
}
