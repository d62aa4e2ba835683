/** Output text on the work stack of `canonicalJson`, told apart from string values. */
class Piece {
  constructor(readonly text: string) {}
}

/**
 * Canonical JSON (keys sorted by UTF-16 code units, strings kept exactly as they are: no Unicode
 * normalisation, so two texts a provider could tell apart never share an encoding), so equal
 * values always give the same digest (audit arguments, pinned definitions, cache keys). Iterative, with its
 * own stack: no nesting, however hostile, can overflow the call stack.
 */
export function canonicalJson(root: unknown): string {
  const out: string[] = [];
  const work: unknown[] = [root];
  while (work.length > 0) {
    const item = work.pop();
    if (item instanceof Piece) out.push(item.text);
    else if (Array.isArray(item)) {
      out.push('[');
      work.push(new Piece(']'));
      for (let i = item.length - 1; i >= 0; i--) {
        work.push(item[i]);
        if (i > 0) work.push(new Piece(','));
      }
    } else if (item && typeof item === 'object') {
      out.push('{');
      work.push(new Piece('}'));
      const record = item as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        work.push(record[key], new Piece(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`));
      }
    } else out.push(JSON.stringify(item) ?? 'null');
  }
  return out.join('');
}
