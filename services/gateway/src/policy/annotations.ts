/** What a policy decision is about: a name (or URI) for glob rules, and a tool's annotations. */
export interface PolicyTarget {
  name: string;
  /** The tool's `annotations` as its provider declared them; anything else for non-tools. */
  annotations?: unknown;
}

/** The MCP tool annotation hints a policy rule can match. */
export const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;
export type Hint = (typeof HINTS)[number];
export type HintValues = Record<Hint, boolean>;

/**
 * The hints a tool is taken to have. A hint left out (or not a boolean) takes the MCP default,
 * which is always the less safe value: may write, destructive, not idempotent, open world. So a
 * missing hint never carries a tool past a deny on a dangerous value, nor into an allow on a safe
 * one. As in MCP, destructiveHint and idempotentHint describe writes: a tool declaring
 * readOnlyHint true and silent on them is neither destructive nor unsafe to repeat. A hint given
 * explicitly always counts as given.
 */
export function effectiveHints(annotations: unknown): HintValues {
  const declared = (typeof annotations === 'object' && annotations !== null ? annotations : {}) as Record<
    string,
    unknown
  >;
  const given = (hint: Hint) =>
    typeof declared[hint] === 'boolean' ? (declared[hint] as boolean) : undefined;
  const readOnly = given('readOnlyHint') ?? false;
  return {
    readOnlyHint: readOnly,
    destructiveHint: given('destructiveHint') ?? !readOnly,
    idempotentHint: given('idempotentHint') ?? readOnly,
    openWorldHint: given('openWorldHint') ?? true,
  };
}

/** Matches tools whose effective hints hold every value `wanted` names. */
export function compileHintMatch(wanted: Partial<HintValues>): (annotations: unknown) => boolean {
  const required = Object.entries(wanted) as [Hint, boolean][];
  return (annotations) => {
    const hints = effectiveHints(annotations);
    return required.every(([hint, value]) => hints[hint] === value);
  };
}
