import { invalidParams } from '@mcp-fleet/sdk';
import { compileRe2, type LinePattern } from './re2.js';

export type { LinePattern } from './re2.js';

/**
 * Largest compiled program accepted. Matching costs at most (characters × program size) steps,
 * so this bounds the work one line can take.
 */
export const MAX_PROGRAM = 2_000;

/** What callers meet when they write JavaScript regular expressions (said in the tool description). */
export const SYNTAX_NOTE =
  'RE2 syntax (linear time): no look-around ((?=, (?!, (?<=, (?<!) and no back-references (\\1, \\k<name>); ' +
  'write \\x{41} for \\u0041, [\\s\\S] or (?s). for [^], \\z for \\Z; repeat counts up to 1000; ' +
  '\\d \\w \\s \\b are ASCII; inline flags (?i) (?s), POSIX classes [[:alpha:]] and \\pL work.';

/**
 * Compiles a caller's pattern with RE2 (time linear in the input, no backtracking). Syntax RE2
 * lacks, and programs too large to run cheaply, are refused as invalid params.
 */
export function compilePattern(pattern: string, ignoreCase: boolean): LinePattern {
  let compiled: LinePattern;
  try {
    compiled = compileRe2(pattern, ignoreCase);
  } catch (err) {
    throw invalidParams(
      `pattern is not supported by the linear-time RE2 engine: ${(err as Error).message}. ${SYNTAX_NOTE}`,
      { pattern },
    );
  }
  const size = compiled.stepsPerChar;
  if (size > MAX_PROGRAM)
    throw invalidParams(
      `pattern is too large for the RE2 engine here: it compiles to ${size} instructions, the limit is ${MAX_PROGRAM}`,
      { pattern },
    );
  return compiled;
}
