import { FleetError } from '@mcp-fleet/contract';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Caller } from '../auth/caller.js';
import { GATEWAY_TOOLS } from '../catalog/gateway-tool-names.js';
import type { RequestContext } from '../engine/request-context.js';
import type { PolicyHolder } from '../policy/engine.js';
import type { Policy } from '../policy/policy-file.js';
import { invalidParams } from '../protocol/errors.js';
import { type JsonObject, RawJson } from '../protocol/messages.js';
import type { ApprovalEvents } from './approval-events.js';
import type { ApprovalState, ApprovalStore } from './approval-store.js';

export const LIST_TOOL = GATEWAY_TOOLS.approvalsList;
export const DECIDE_TOOL = GATEWAY_TOOLS.approvalsDecide;

const DEFINITIONS: JsonObject[] = [
  {
    name: LIST_TOOL,
    title: 'Pending approvals',
    description:
      'Lists the calls waiting for a decision by one of your approver roles, with their arguments, a page at a time: pass the nextCursor of an answer to read on.',
    inputSchema: {
      type: 'object',
      properties: { cursor: { type: 'string', pattern: '^[0-9]{1,9}$' } },
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: DECIDE_TOOL,
    title: 'Decide an approval',
    description:
      'Approves or denies a pending call (by the id fleet_approvals_list shows). The call then runs with exactly the arguments listed, or is refused.',
    inputSchema: {
      type: 'object',
      properties: {
        id: { type: 'string', minLength: 1, maxLength: 64 },
        decision: { type: 'string', enum: ['approve', 'deny'] },
        reason: { type: 'string', maxLength: 1000 },
      },
      required: ['id', 'decision'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
];

const validateDecide = new Ajv2020({ allErrors: false, strict: false }).compile(
  DEFINITIONS[1]?.inputSchema as object,
);
const validateList = new Ajv2020({ strict: false }).compile(DEFINITIONS[0]?.inputSchema as object);

/** The approver roles a policy names (in some rule's `approval.role`), cached per loaded policy. */
const approverRolesOf = new WeakMap<Policy, ReadonlySet<string>>();
function approverRoles(policy: Policy): ReadonlySet<string> {
  let roles = approverRolesOf.get(policy);
  if (!roles) {
    roles = new Set(
      [...policy.roles.values()].flatMap((role) =>
        role.approvals.flatMap((rule) => (rule.approval?.by === 'role' ? [rule.approval.role] : [])),
      ),
    );
    approverRolesOf.set(policy, roles);
  }
  return roles;
}

/** How many pending approvals (of every role and tenant) one page of the list reads. */
const LIST_PAGE = 100;

const result = (value: JsonObject, text: string) =>
  new RawJson(JSON.stringify({ content: [{ type: 'text', text }], structuredContent: value }));

export interface ApprovalToolsOptions {
  policy: PolicyHolder;
  store: ApprovalStore;
  events: ApprovalEvents;
  /** Tells the replica holding a call that its approval was decided. */
  announce(id: string): void;
}

/**
 * The gateway's own approval tools. They exist only for members of a role some policy rule names as
 * approver: anyone else neither sees them in tools/list nor can call them (an unknown tool).
 * The approver is always the authenticated caller; nothing in the arguments can name another.
 */
export class ApprovalTools {
  constructor(private readonly options: ApprovalToolsOptions) {}

  private rolesOf(caller: Caller): string[] {
    const approvers = approverRoles(this.options.policy.current);
    return caller.roles.filter((role) => approvers.has(role));
  }

  /** The tools this caller is shown: both, to approvers; none to anyone else. */
  visibleTo(caller: Caller): JsonObject[] {
    return this.rolesOf(caller).length > 0 ? DEFINITIONS : [];
  }

  /** Whether `name` is an approval tool this caller may use (what screening lets through). */
  serves(caller: Caller, name: string): boolean {
    return (name === LIST_TOOL || name === DECIDE_TOOL) && this.rolesOf(caller).length > 0;
  }

  /** Runs `name` when it is an approval tool this caller may use; undefined otherwise. */
  call(ctx: RequestContext, name: string, args: JsonObject): Promise<RawJson> | undefined {
    if (name !== LIST_TOOL && name !== DECIDE_TOOL) return undefined;
    const roles = this.rolesOf(ctx.caller);
    if (roles.length === 0) return undefined;
    return name === LIST_TOOL ? this.list(ctx, roles, args) : this.decide(ctx, roles, args);
  }

  private async list(ctx: RequestContext, roles: string[], args: JsonObject): Promise<RawJson> {
    if (!validateList(args)) throw invalidParams(`${LIST_TOOL} takes only a cursor (from nextCursor)`);
    const offset = Number(args.cursor ?? 0);
    // One page reads a bounded window of all pending approvals, whatever number are pending.
    const { states, full } = await this.options.store.pending(offset, LIST_PAGE);
    const pending = states.filter((s) => mayDecide(s, ctx.caller, roles));
    // Approvers read other callers' arguments: who looked, and when, is on the record.
    this.options.events.looked(ctx.caller, ctx.session.id, LIST_TOOL, ctx.traceId);
    const approvals = pending.map(({ request: r }) => ({
      id: r.id,
      tool: r.tool,
      arguments: r.arguments,
      digest: r.digest,
      requestedBy: r.subject,
      principal: r.principal,
      rule: r.rule,
      role: r.role,
      allowSelf: r.allowSelf,
      createdAt: new Date(r.createdAt).toISOString(),
      expiresAt: new Date(r.expiresAt).toISOString(),
    }));
    const lines = approvals.map((a) => `${a.id}  ${a.tool}  by ${a.requestedBy}  until ${a.expiresAt}`);
    const nextCursor = full ? String(offset + LIST_PAGE) : undefined;
    if (nextCursor) lines.push(`more: pass cursor ${nextCursor}`);
    return result(
      nextCursor ? { approvals, nextCursor } : { approvals },
      lines.length > 0 ? lines.join('\n') : 'no pending approvals',
    );
  }

  private async decide(ctx: RequestContext, roles: string[], args: JsonObject): Promise<RawJson> {
    if (!validateDecide(args)) {
      const first = validateDecide.errors?.[0];
      throw invalidParams(
        `Invalid arguments for ${DECIDE_TOOL}: ${first?.instancePath || '/'} ${first?.message}`,
      );
    }
    const { id, decision, reason } = args as { id: string; decision: 'approve' | 'deny'; reason?: string };
    const state = await this.options.store.get(id);
    // An approval of a role the caller does not hold, or of another tenant, is as unknown to it as one that never was.
    if (
      !state ||
      state.status !== 'pending' ||
      state.request.expiresAt <= Date.now() ||
      !mayDecide(state, ctx.caller, roles)
    )
      throw invalidParams(
        `No pending approval ${JSON.stringify(id)} for your roles (decided, expired or unknown)`,
      );
    const { caller } = ctx;
    const record = (outcome: 'approved' | 'rejected' | 'self_refused') =>
      this.options.events.record({
        actor: caller,
        sessionId: ctx.session.id,
        tool: state.request.tool,
        args: state.request.arguments,
        outcome,
        approval: {
          id,
          by: 'role',
          rule: state.request.rule,
          role: state.request.role,
          approver: caller.principal,
          ...(reason ? { reason } : {}),
        },
        traceId: ctx.traceId,
      });
    if (decision === 'approve' && isSelf(state, caller) && !state.request.allowSelf) {
      record('self_refused');
      throw new FleetError(
        'Forbidden',
        `Forbidden: you cannot approve your own call (policy rule ${state.request.rule} does not allow self-approval)`,
        { data: { rule: state.request.rule } },
      );
    }
    const to = decision === 'approve' ? 'approved' : 'rejected';
    const decided = {
      approver: caller.principal,
      approverSubject: caller.subject,
      at: Date.now(),
      ...(reason ? { reason } : {}),
    };
    if (!(await this.options.store.transition(id, { from: 'pending', to, decision: decided })))
      throw invalidParams(
        `No pending approval ${JSON.stringify(id)} for your roles (decided, expired or unknown)`,
      );
    record(to);
    this.options.announce(id);
    return result({ id, status: to, tool: state.request.tool, approver: caller.subject }, summary(state, to));
  }
}

/** Whether an approver of `roles` may see and decide `state`: one of its roles, its own tenant. */
function mayDecide(state: ApprovalState, caller: Caller, roles: string[]): boolean {
  return roles.includes(state.request.role) && state.request.tenant === caller.tenant;
}

/**
 * Whether `caller` asked for the approval itself: the same principal, or the same subject under
 * another credential (a second API key, a JWT of another issuer or tenant): one person either way.
 */
function isSelf(state: ApprovalState, caller: Caller): boolean {
  return state.request.principal === caller.principal || state.request.subject === caller.subject;
}

function summary(state: ApprovalState, to: string): string {
  return `${to} ${state.request.id}: ${state.request.tool} by ${state.request.subject}`;
}
