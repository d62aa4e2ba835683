import { FleetError } from '@mcp-fleet/contract';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit-log.js';
import type { RequestContext } from '../engine/request-context.js';
import type { ServerRequests } from '../engine/server-requests.js';
import type { PolicyTarget } from '../policy/annotations.js';
import { decide, type PolicyHolder } from '../policy/engine.js';
import { invalidParams } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';
import type { Bus } from '../session/types.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { ApprovalEvents } from './approval-events.js';
import type { ApprovalRequirement } from './approval-rule.js';
import { MemoryApprovalStore } from './approval-store.js';
import { ApprovalTools } from './approval-tools.js';
import { askCaller } from './caller-approval.js';
import { RedisApprovalStore } from './redis-approval-store.js';
import { RoleApprovals } from './role-approval.js';

export interface ApprovalGateOptions {
  policy: PolicyHolder;
  bus: Bus;
  /** Pending approvals live here when replicas share Redis; in memory otherwise. */
  redis?: Redis;
  audit: AuditLog;
  metrics: GatewayMetrics;
  serverRequests: ServerRequests;
  /** The wait of a role approval whose rule names no timeout (MCPFLEET_APPROVAL_TIMEOUT). */
  defaultTimeoutMs: number;
  /** How often a waiting call reads its approval besides the bus announcement (MCPFLEET_APPROVAL_POLL). */
  pollMs: number;
  /** Redis key and channel prefix of approvals (MCPFLEET_APPROVALS_PREFIX). */
  prefix: string;
}

/**
 * Approvals enforced by the gateway: the gate every admitted tool call passes before its provider
 * (or workflow) is called, and the approvers' tools. A call whose policy decision carries no
 * approval passes at once; otherwise it asks its caller, or waits for an approver role.
 */
export class ApprovalGate {
  readonly tools: ApprovalTools;
  private readonly roles: RoleApprovals;
  private readonly events: ApprovalEvents;

  constructor(private readonly options: ApprovalGateOptions) {
    const store = options.redis
      ? new RedisApprovalStore(options.redis, options.prefix)
      : new MemoryApprovalStore();
    this.events = new ApprovalEvents(options.audit, options.metrics);
    this.roles = new RoleApprovals({
      store,
      bus: options.bus,
      events: this.events,
      channel: `${options.prefix}decided`,
      defaultTimeoutMs: options.defaultTimeoutMs,
      pollMs: options.pollMs,
    });
    this.tools = new ApprovalTools({
      policy: options.policy,
      store,
      events: this.events,
      announce: (id) => this.roles.announce(id),
    });
  }

  start(): Promise<() => void> {
    return this.roles.start();
  }

  /**
   * Resolves when the call may run: no approval needed, or given; throws when it is refused. An
   * approval can take hours: once given, the call is decided again under the policy in force then,
   * refused if its caller lost the tool meanwhile, and asked again if it now needs another approval.
   */
  async pass(
    ctx: RequestContext,
    target: PolicyTarget,
    args: JsonObject,
    requirement: ApprovalRequirement | undefined,
  ): Promise<void> {
    // Nobody is asked about a call its provider would refuse anyway.
    if (requirement && (typeof args !== 'object' || args === null || Array.isArray(args)))
      throw invalidParams(`${target.name} needs approval, and params.arguments must be an object`);
    for (let needed = requirement; needed; ) {
      await this.passOne(ctx, target.name, args, needed);
      const now = decide(this.options.policy.current, ctx.caller, 'tools', target, args);
      if (!now.allowed)
        throw new FleetError('Forbidden', `Forbidden: ${now.reason}`, { data: { rule: now.rule } });
      needed = now.approval && !sameApproval(now.approval, needed) ? now.approval : undefined;
    }
  }

  private passOne(
    ctx: RequestContext,
    tool: string,
    args: JsonObject,
    requirement: ApprovalRequirement,
  ): Promise<void> {
    if (requirement.by === 'caller')
      return askCaller(ctx, this.options.serverRequests, this.events, {
        tool,
        args,
        requirement,
        timeoutMs: this.options.defaultTimeoutMs,
      });
    return this.roles.wait(ctx, tool, args, requirement);
  }
}

/** Whether an approval given under `given` also answers `wanted` (the same approver asked). */
function sameApproval(wanted: ApprovalRequirement, given: ApprovalRequirement): boolean {
  if (wanted.by === 'caller' || given.by === 'caller') return wanted.by === given.by;
  return wanted.role === given.role && (!given.allowSelf || wanted.allowSelf);
}
