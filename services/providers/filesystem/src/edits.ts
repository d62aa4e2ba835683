import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Most replacements one edit call makes, all edits together. Counting stops one past it, so an
 * amplifying call (many replaceAll edits of one character over a large file) is refused after
 * linear work, before any replacement is built.
 */
export const MAX_REPLACEMENTS = 100_000;

export interface Edit {
  oldText: string;
  newText: string;
  replaceAll?: boolean;
}

export interface EditOptions {
  /** Longest text the edits may produce, in characters, checked before each replacement is built. */
  limit?: number;
  /** Checked between edits, each of which gives the event loop a turn. */
  signal?: AbortSignal;
}

/** Where `needle` occurs in `text`, without overlaps, stopping once there are more than `most`. */
function occurrences(text: string, needle: string, most: number): number[] {
  const at: number[] = [];
  for (
    let i = text.indexOf(needle);
    i !== -1 && at.length <= most;
    i = text.indexOf(needle, i + needle.length)
  )
    at.push(i);
  return at;
}

/** `text` with `length` characters at each of `at` replaced by `by`, built in one pass. */
function replaceAt(text: string, at: number[], length: number, by: string): string {
  const parts: string[] = [];
  let from = 0;
  for (const i of at) {
    parts.push(text.slice(from, i), by);
    from = i + length;
  }
  parts.push(text.slice(from));
  return parts.join('');
}

/**
 * Applies exact-text edits in order; every edit must match once (or at least once with replaceAll).
 * All edits together make at most MAX_REPLACEMENTS replacements, and the text never grows past the
 * limit: both are known from a linear count before a replacement is built.
 */
export async function applyEdits(
  original: string,
  edits: Edit[],
  options: EditOptions = {},
): Promise<string> {
  const { limit = Number.POSITIVE_INFINITY, signal } = options;
  // A CRLF file is edited with LF edits as if they were CRLF, and stays CRLF.
  const crlf = original.includes('\r\n');
  const eol = (text: string) => (crlf && !text.includes('\r\n') ? text.replace(/\n/g, '\r\n') : text);
  let text = original;
  let left = MAX_REPLACEMENTS;
  for (const [i, edit] of edits.entries()) {
    signal?.throwIfAborted();
    const oldText = eol(edit.oldText);
    const newText = eol(edit.newText);
    const at = oldText === '' ? [] : occurrences(text, oldText, left);
    if (at.length === 0) throw new Error(`edit ${i}: oldText not found`);
    if (at.length > 1 && !edit.replaceAll)
      throw new Error(`edit ${i}: oldText matches ${at.length} times; make it unique or set replaceAll`);
    if (at.length > left)
      throw new Error(
        `edit ${i}: the edits make more than ${MAX_REPLACEMENTS} replacements: nothing changed`,
      );
    const used = edit.replaceAll ? at : at.slice(0, 1);
    left -= used.length;
    if (text.length + used.length * (newText.length - oldText.length) > limit)
      throw new Error(`edit ${i}: the text would grow past the write limit of ${limit}`);
    text = replaceAt(text, used, oldText.length, newText);
    await nextTurn();
  }
  signal?.throwIfAborted();
  return text;
}
