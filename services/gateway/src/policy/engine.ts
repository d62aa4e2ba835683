import { readFile, stat } from 'node:fs/promises';
import { errorMessage } from '@mcp-fleet/runtime';
import type { Logger } from 'pino';
import type { ApprovalRequirement } from '../approvals/approval-rule.js';
import type { Caller } from '../auth/caller.js';
import type { PolicyTarget } from './annotations.js';
import {
  DENY_ALL,
  type Kind,
  type Policy,
  parsePolicy,
  type RateLimit,
  type RolePolicy,
} from './policy-file.js';

export type Decision =
  | { allowed: true; rule: string; approval?: ApprovalRequirement }
  | { allowed: false; rule: string; reason: string };

/** What applies to one caller: the roles the policy knows, merged. */
export interface Entitlements {
  rateLimit?: RateLimit;
  toolRateLimit?: RateLimit;
  quota?: { perHour?: number; perDay?: number };
}

const POLL_MS = 2_000;

/** What a policy grants one set of role names: computed once per policy, not on every call. */
interface Granted {
  /** In the caller's order. */
  roles: RolePolicy[];
  /** In the policy file's order, only the roles with approval rules (see approvalOf). */
  approving: RolePolicy[];
  /** Shared by every caller of this role set: read-only. */
  entitlements?: Readonly<Entitlements>;
}

/**
 * Distinct role sets kept per policy. Role names come from tokens, so a caller can mint many sets:
 * past this many the memo starts over rather than grow.
 */
const MAX_ROLE_SETS = 1024;

/** A policy's grants by role list (the same caller's list, read-only) and by its contents. */
interface Grants {
  byList: WeakMap<readonly string[], Granted>;
  byNames: Map<string, Granted>;
}
const grants = new WeakMap<Policy, Grants>();

function grantedTo(policy: Policy, caller: Caller): Granted {
  let memo = grants.get(policy);
  if (!memo) {
    memo = { byList: new WeakMap(), byNames: new Map() };
    grants.set(policy, memo);
  }
  let entry = memo.byList.get(caller.roles);
  if (entry) return entry;
  // JSON, not a join: no two role lists may share a key (["a,b"] is not ["a","b"]).
  const names = JSON.stringify(caller.roles);
  entry = memo.byNames.get(names);
  if (!entry) {
    if (memo.byNames.size >= MAX_ROLE_SETS) memo.byNames.clear();
    entry = granting(policy, caller.roles);
    memo.byNames.set(names, entry);
  }
  memo.byList.set(caller.roles, entry);
  return entry;
}

function granting(policy: Policy, names: readonly string[]): Granted {
  const roles = names.flatMap((name) => policy.roles.get(name) ?? []);
  const order = [...policy.roles.keys()];
  const rank = (role: RolePolicy) => order.indexOf(role.name);
  const approving = roles.filter((role) => role.approvals.length > 0);
  return { roles, approving: approving.sort((a, b) => rank(a) - rank(b)) };
}

/**
 * How strict an approval is, highest first: an approver role beats the caller's own consent, and
 * an approver role that forbids self-approval beats one that allows it.
 */
const strictness = (a: ApprovalRequirement) => (a.by === 'caller' ? 0 : a.allowSelf ? 1 : 2);

/**
 * The approval a call needs when several of the caller's roles ask for one: the strictest (see
 * strictness), ties going to the role listed first in the policy file. Never the caller's role
 * order: listing roles otherwise must not weaken an approval. An approval is no permission: one
 * role's plain allow never lifts another role's approval.
 */
function approvalOf(granted: Granted, target: PolicyTarget): ApprovalRequirement | undefined {
  // Most role sets have no approval rule at all: their calls build nothing here.
  if (granted.approving.length === 0) return undefined;
  const wanted = granted.approving.flatMap(
    (role) => role.approvals.find((r) => r.matches(target))?.approval ?? [],
  );
  return wanted.reduce<ApprovalRequirement | undefined>(
    (best, a) => (!best || strictness(a) > strictness(best) ? a : best),
    undefined,
  );
}

/** The most generous of several limits: roles add permissions, they never take them away. */
function widest(limits: (RateLimit | undefined)[]): RateLimit | undefined {
  return limits.reduce<RateLimit | undefined>(
    (best, l) =>
      !l
        ? best
        : !best
          ? l
          : { perSecond: Math.max(best.perSecond, l.perSecond), burst: Math.max(best.burst, l.burst) },
    undefined,
  );
}

/**
 * Role-based access: default deny, a deny rule of any of the caller's roles wins over every
 * allow, and an allowing role's argument constraints must hold. A denied caller learns the rule
 * that decided, never the others. A tool given by name alone has no annotations: annotation
 * rules see it at the MCP defaults (see effectiveHints). `args` is undefined for lists.
 */
export function decide(
  policy: Policy,
  caller: Caller,
  kind: Kind,
  what: string | PolicyTarget,
  args?: Record<string, unknown>,
): Decision {
  const target = typeof what === 'string' ? { name: what } : what;
  const { name } = target;
  const granted = grantedTo(policy, caller);
  const { roles } = granted;
  for (const role of roles) {
    const deny = role.deny[kind].find((r) => r.matches(target));
    if (deny) return { allowed: false, rule: deny.id, reason: `denied by policy rule ${deny.id}` };
  }
  let constrained: { rule: string; message: string } | undefined;
  for (const role of roles) {
    const allow = role.allow[kind].find((r) => r.matches(target));
    if (!allow) continue;
    const constraint = kind === 'tools' ? role.constraints.get(name) : undefined;
    // Without arguments (a list) the question is whether some call may pass: constraints wait for the call.
    if (!constraint || args === undefined || constraint(args)) {
      // A list (no arguments) shows a tool needing approval: it is asked for when it is called.
      const approval = kind === 'tools' && args !== undefined ? approvalOf(granted, target) : undefined;
      return approval ? { allowed: true, rule: allow.id, approval } : { allowed: true, rule: allow.id };
    }
    const first = constraint.errors?.[0];
    constrained = {
      rule: `roles.${role.name}.arguments.${name}`,
      message: `${first?.instancePath || '/'} ${first?.message ?? 'is not allowed'}`,
    };
  }
  if (constrained) {
    return {
      allowed: false,
      rule: constrained.rule,
      reason: `arguments not allowed by policy rule ${constrained.rule}: ${constrained.message}`,
    };
  }
  return {
    allowed: false,
    rule: 'default-deny',
    reason: `no policy rule allows ${kind.slice(0, -1)} ${name} for your roles`,
  };
}

/** Whether some role of the caller has an allow rule for `kind`: whether it may see anything of it. */
export function allowsAny(policy: Policy, caller: Caller, kind: Kind): boolean {
  return grantedTo(policy, caller).roles.some((role) => role.allow[kind].length > 0);
}

export function entitlements(policy: Policy, caller: Caller): Readonly<Entitlements> {
  const entry = grantedTo(policy, caller);
  entry.entitlements ??= entitlementsOf(entry.roles);
  return entry.entitlements;
}

function entitlementsOf(roles: RolePolicy[]): Entitlements {
  const perHour = roles.map((r) => r.quota?.perHour).filter((n): n is number => n !== undefined);
  const perDay = roles.map((r) => r.quota?.perDay).filter((n): n is number => n !== undefined);
  // A role without a quota is unlimited, so any such role lifts the quota.
  const unlimited = roles.some((r) => !r.quota);
  return {
    rateLimit: widest(roles.map((r) => r.rateLimit)),
    toolRateLimit: widest(roles.map((r) => r.toolRateLimit)),
    quota:
      unlimited || roles.length === 0
        ? undefined
        : {
            perHour: perHour.length ? Math.max(...perHour) : undefined,
            perDay: perDay.length ? Math.max(...perDay) : undefined,
          },
  };
}

/**
 * The policy in force, reloaded when its file changes. A file that fails to parse is logged and
 * ignored: the last good policy stays (never a window of allow-all or deny-all by accident).
 */
export class PolicyHolder {
  private policy: Policy = DENY_ALL;
  private mtimeMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string | undefined,
    private readonly logger: Logger,
  ) {}

  get current(): Policy {
    return this.policy;
  }

  /** Loads the file once; a bad file at boot is an error (refuse to start). */
  async start(): Promise<void> {
    if (!this.path) return;
    await this.load(true);
    this.timer = setInterval(() => void this.load(false), POLL_MS);
    this.timer.unref();
  }

  /** Re-reads the file now if it changed; resolves true when a new policy took effect. */
  async reload(): Promise<boolean> {
    return this.load(false);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async load(boot: boolean): Promise<boolean> {
    const path = this.path as string;
    try {
      const { mtimeMs } = await stat(path);
      if (!boot && mtimeMs === this.mtimeMs) return false;
      const next = parsePolicy(await readFile(path, 'utf8'), path);
      this.mtimeMs = mtimeMs;
      this.policy = next;
      if (!boot) this.logger.info({ path, roles: [...next.roles.keys()] }, 'policy reloaded');
      return true;
    } catch (err) {
      if (boot) throw err;
      this.logger.error(
        { path, err: errorMessage(err) },
        'policy file rejected: keeping the previous policy',
      );
      try {
        this.mtimeMs = (await stat(path)).mtimeMs;
      } catch {
        // the file is gone: keep the policy and try again on the next poll
      }
      return false;
    }
  }
}
