/** A compiled RFC 6570 level-1 template: each `{name}` matches one non-empty path segment. */
export interface UriTemplate {
  variables: string[];
  match(uri: string): Record<string, string> | undefined;
}

const VARIABLE = /\{([A-Za-z0-9_]+)\}/g;

/** Most variables in one template: far beyond any real one, and it bounds a match's memory. */
const MAX_VARIABLES = 32;
/** Longest template: its literals' length bounds the work of a match (each is searched for). */
const MAX_TEMPLATE_CHARS = 512;
/** Longest URI a template is matched against (a request line's usual limit); a longer one matches none. */
const MAX_MATCHED_URI = 4 * 1024;

type Part = { literal: string } | { variable: string };

/** A variable's value is any run of characters but the URI's delimiters `/`, `?` and `#`. */
const inValue = (code: number) => code !== 0x2f && code !== 0x3f && code !== 0x23;

/**
 * Compiles a template into literal and variable parts. Matching is not a regular expression:
 * `([^/?#]+)` per variable backtracks, quadratically for `{name}.{ext}` and exponentially for
 * variables side by side, on a URI any client sends (48 s of a blocked event loop for 300 KB).
 */
export function compileUriTemplate(template: string): UriTemplate {
  const parts: Part[] = [];
  const variables: string[] = [];
  let last = 0;
  for (const match of template.matchAll(VARIABLE)) {
    if (match.index > last) parts.push({ literal: template.slice(last, match.index) });
    parts.push({ variable: match[1] ?? '' });
    variables.push(match[1] ?? '');
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  if (variables.length > MAX_VARIABLES)
    throw new Error(`a URI template has at most ${MAX_VARIABLES} variables, this one ${variables.length}`);
  if (template.length > MAX_TEMPLATE_CHARS)
    throw new Error(
      `a URI template has at most ${MAX_TEMPLATE_CHARS} characters, this one ${template.length}`,
    );
  // The shortest URI it matches: its literals and one character a variable.
  const shortest = template.length - variables.reduce((sum, name) => sum + name.length + 1, 0);
  const first = parts[0];
  const final = parts[parts.length - 1];
  return {
    variables,
    match(uri) {
      // Most templates a URI is tried against fail on their first or last literal: no allocation.
      if (uri.length > MAX_MATCHED_URI || uri.length < shortest) return undefined;
      if (first && 'literal' in first && !uri.startsWith(first.literal)) return undefined;
      if (final && 'literal' in final && !uri.endsWith(final.literal)) return undefined;
      return matchParts(parts, uri);
    },
  };
}

/**
 * What the anchored regular expression would capture, found in time linear in the URI per part:
 * first, from the end, where each part can start so that the rest still matches; then, from the
 * start, each variable takes the longest value after which the rest matches (greedy, as before).
 */
function matchParts(parts: Part[], uri: string): Record<string, string> | undefined {
  const ends = finishes(parts, uri);
  if (ends[0]?.[0] !== 1) return undefined;
  const values: Record<string, string> = {};
  let at = 0;
  parts.forEach((part, i) => {
    if ('literal' in part) {
      at += part.literal.length;
      return;
    }
    const rest = ends[i + 1] as Uint8Array;
    let end = at;
    let chosen = at;
    while (end < uri.length && inValue(uri.charCodeAt(end))) {
      end++;
      if (rest[end] === 1) chosen = end;
    }
    values[part.variable] = uri.slice(at, chosen);
    at = chosen;
  });
  // A value that is no valid percent-encoding is no match of this template (another may match).
  try {
    for (const name of Object.keys(values)) values[name] = decodeURIComponent(values[name] as string);
  } catch {
    return undefined;
  }
  return values;
}

/** For each part i, the positions of `uri` from which parts i.. match the rest of it exactly. */
function finishes(parts: Part[], uri: string): Uint8Array[] {
  const n = uri.length;
  const ends = parts.map(() => new Uint8Array(n + 1));
  const done = new Uint8Array(n + 1);
  done[n] = 1;
  ends.push(done);
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] as Part;
    const here = ends[i] as Uint8Array;
    const next = ends[i + 1] as Uint8Array;
    if ('literal' in part) {
      const { literal } = part;
      for (let at = uri.indexOf(literal); at !== -1; at = uri.indexOf(literal, at + 1))
        if (next[at + literal.length] === 1) here[at] = 1;
      continue;
    }
    // A value starting here can end at any later position of its run of value characters.
    let reachable = 0;
    for (let at = n - 1; at >= 0; at--) {
      if (!inValue(uri.charCodeAt(at))) {
        reachable = 0;
        continue;
      }
      if (next[at + 1] === 1) reachable = 1;
      here[at] = reachable;
    }
  }
  return ends;
}
