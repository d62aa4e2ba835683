/**
 * Allow-lists of object specs, written as rules: a field not listed, a value not among those
 * named, is refused by construction, so a spelling nobody thought of (a new field, a new volume
 * type) is never admitted by default.
 */

/** What a value at one place of a spec may be. */
export type Rule =
  | 'any'
  | { fields: Readonly<Record<string, Rule>> }
  | { each: Rule }
  /** One of these values; `credential`: any other value is a credential (e.g. another ServiceAccount). */
  | { only: readonly unknown[]; credential?: true }
  /** A Secret or a credential: allowed (and then checked by `rule`) only with workload Secrets. */
  | { secret: Rule };

export const ANY: Rule = 'any';
export const fields = (f: Record<string, Rule>): Rule => ({ fields: f });
export const each = (rule: Rule): Rule => ({ each: rule });
export const only = (...values: unknown[]): Rule => ({ only: values });
export const secret = (rule: Rule = ANY): Rule => ({ secret: rule });
export const anyOf = (...names: string[]): Record<string, Rule> =>
  Object.fromEntries(names.map((name) => [name, ANY]));

const CREDENTIAL =
  'uses a Secret or another credential: allowed only with MCPFLEET_K8S_WORKLOAD_SECRETS=true';

/** Appends to `out` what in `value` (found at `at`) lies outside `rule`. */
export function visit(value: unknown, rule: Rule, at: string, secrets: boolean, out: string[]): void {
  if (value === undefined || value === null || rule === 'any') return;
  if ('secret' in rule) {
    if (secrets) visit(value, rule.secret, at, secrets, out);
    else out.push(`${at} ${CREDENTIAL}`);
  } else if ('only' in rule) {
    if (rule.only.includes(value)) return;
    if (rule.credential && secrets) return;
    out.push(
      rule.credential
        ? `${at} ${JSON.stringify(value)} ${CREDENTIAL}`
        : `${at} ${JSON.stringify(value)} is not allowed (only ${rule.only.map((v) => JSON.stringify(v)).join(', ')})`,
    );
  } else if ('each' in rule) {
    if (!Array.isArray(value)) out.push(`${at} must be a list`);
    else for (const [index, item] of value.entries()) visit(item, rule.each, `${at}[${index}]`, secrets, out);
  } else if (typeof value !== 'object' || Array.isArray(value)) {
    out.push(`${at} must be an object`);
  } else {
    for (const [key, inner] of Object.entries(value)) {
      if (Object.hasOwn(rule.fields, key))
        visit(inner, rule.fields[key] as Rule, `${at}.${key}`, secrets, out);
      else out.push(`${at}.${key} is not allowed`);
    }
  }
}
