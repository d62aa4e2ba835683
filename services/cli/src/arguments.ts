/** Thrown for a command line that cannot run: exit code 2 with the message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Tool arguments from `--json '{...}'` and/or repeated `--arg key=value` (later wins). A value
 * that parses as JSON (`3`, `true`, `["a"]`) is taken as such, anything else as a string; write
 * `--arg key='"3"'` for the string "3".
 */
export function toolArguments(pairs: string[], json: string | undefined): Record<string, unknown> {
  let args: Record<string, unknown> = {};
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new UsageError(`--json is not valid JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new UsageError('--json must be a JSON object');
    args = parsed as Record<string, unknown>;
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--arg takes key=value, not ${JSON.stringify(pair)}`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    args[pair.slice(0, eq)] = value;
  }
  return args;
}

/** `30s`, `2m`, `1500ms` or plain milliseconds. */
export function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new UsageError(`not a duration: ${JSON.stringify(text)} (use 30s, 2m or 1500ms)`);
  const factor = { ms: 1, s: 1000, m: 60_000 }[m[2] ?? 'ms'] ?? 1;
  return Number(m[1]) * factor;
}
