import { RE2JS } from 're2js';

/** A caller's regular expression, compiled by a linear-time engine. */
export interface LinePattern {
  test(line: string): boolean;
  /** Upper bound of the steps one character of input costs. */
  stepsPerChar: number;
}

/**
 * Compiles with RE2JS (a pure-JS port of RE2: no backtracking, time linear in the input). Kept
 * apart from the SDK so the matching worker loads only this; engine errors pass unchanged.
 */
export function compileRe2(pattern: string, ignoreCase: boolean): LinePattern {
  const compiled = RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  return { test: (line) => compiled.test(line), stepsPerChar: compiled.programSize() };
}
