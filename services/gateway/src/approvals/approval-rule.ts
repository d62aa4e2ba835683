import { parseDuration } from '@mcp-fleet/runtime';

/**
 * What a policy rule's `approval` field asks for: the caller's own consent (`caller`), or a
 * decision by a member of an approver role, within a timeout.
 */
export type ApprovalRequirement =
  | { by: 'caller'; rule: string }
  | {
      by: 'role';
      rule: string;
      role: string;
      /** How long the call waits for a decision; undefined: the gateway's default (MCPFLEET_APPROVAL_TIMEOUT). */
      timeoutMs?: number;
      /** Whether the caller, when it holds the role, may approve its own call. */
      allowSelf: boolean;
    };

const ROLE = /^[A-Za-z0-9_.:-]{1,64}$/;
const FIELDS: ReadonlySet<string> = new Set(['role', 'timeout', 'allowSelf']);
/** The longest an approval may be waited for: a call held open longer is a call forgotten. */
export const MAX_APPROVAL_TIMEOUT_MS = 24 * 3_600_000;
const MIN_APPROVAL_TIMEOUT_MS = 1_000;

function timeoutOf(raw: unknown, at: string): number | string {
  const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
  if (ms === undefined) return `${at}.timeout: expected a duration such as 90s, 15m or 2h`;
  if (ms < MIN_APPROVAL_TIMEOUT_MS || ms > MAX_APPROVAL_TIMEOUT_MS)
    return `${at}.timeout: must be between 1s and 24h`;
  return ms;
}

/**
 * Reads a rule's `approval` field (allow-listed fields only); `at` names the rule in messages.
 * Returns the requirement, or the problems to report (the file is then refused).
 */
export function parseApproval(raw: unknown, at: string): ApprovalRequirement | string[] {
  if (raw === 'caller') return { by: 'caller', rule: at };
  const shape = `${at}.approval: expected "caller" or { role, timeout?, allowSelf? }`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [shape];
  const fields = raw as Record<string, unknown>;
  const problems = Object.keys(fields)
    .filter((key) => !FIELDS.has(key))
    .map((key) => `${at}.approval: unknown field ${JSON.stringify(key)} (allowed: role, timeout, allowSelf)`);
  if (typeof fields.role !== 'string' || !ROLE.test(fields.role))
    problems.push(`${at}.approval.role: expected a role name (letters, digits, _ . : -)`);
  if (fields.allowSelf !== undefined && typeof fields.allowSelf !== 'boolean')
    problems.push(`${at}.approval.allowSelf: expected true or false`);
  const timeout = fields.timeout === undefined ? undefined : timeoutOf(fields.timeout, `${at}.approval`);
  if (typeof timeout === 'string') problems.push(timeout);
  if (problems.length > 0) return problems;
  return {
    by: 'role',
    rule: at,
    role: fields.role as string,
    ...(typeof timeout === 'number' ? { timeoutMs: timeout } : {}),
    allowSelf: fields.allowSelf === true,
  };
}
