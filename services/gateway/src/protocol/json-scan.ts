import type { RequestId } from './messages.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;

/** Longest id text recovered from a refused message; a longer one is answered with a null id. */
const MAX_ID_CHARS = 1_024;

export type Nesting = { tooDeep: false } | { tooDeep: true; requestId: RequestId | null };

/** The answer for every message within the limit: nothing to allocate on the common path. */
const SHALLOW: Nesting = Object.freeze({ tooDeep: false });

/** Index of the quote closing the string that opens at `start` (text.length when unterminated). */
function endOfString(text: string, start: number): number {
  let quote = start;
  for (;;) {
    quote = text.indexOf('"', quote + 1);
    if (quote < 0) return text.length;
    // A quote preceded by an odd run of backslashes is escaped. Each run is walked once: linear.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
}

const isSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

/** Index of the first character at or after `from` that is not JSON white space. */
function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the integer starting at `from` (`from` itself when there is none). */
function endOfInteger(text: string, from: number): number {
  let i = text.charCodeAt(from) === 0x2d ? from + 1 : from;
  const digits = i;
  while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
  return i === digits ? from : i;
}

/**
 * The request id written right after a top-level `"id"` key ending at `from` (`: "string"` or
 * `: integer`, then `,` or `}`), if it is a usable one. Walked by hand, without a regular
 * expression, so an id of any length costs one linear pass and no stack.
 */
function idAfter(text: string, from: number): RequestId | undefined {
  const colon = skipSpace(text, from);
  if (text.charCodeAt(colon) !== 0x3a) return undefined;
  const start = skipSpace(text, colon + 1);
  const end = text.charCodeAt(start) === QUOTE ? endOfString(text, start) + 1 : endOfInteger(text, start);
  if (end === start || end > text.length || end - start > MAX_ID_CHARS) return undefined;
  const after = text.charCodeAt(skipSpace(text, end));
  if (after !== 0x2c && after !== CLOSE_CURLY) return undefined;
  try {
    const value: unknown = JSON.parse(text.slice(start, end));
    return typeof value === 'string' || Number.isInteger(value) ? (value as RequestId) : undefined;
  } catch {
    // An invalid escape or a leading zero: not an id anyone can be answered with.
    return undefined;
  }
}

/**
 * Whether the JSON text nests objects and arrays more than `limit` levels, found by counting
 * brackets outside strings, before anything is parsed: JSON.parse of a hostile 2,000,000-deep
 * message costs most of a second, this scan stops at the first bracket past the limit. One pass,
 * no allocation; strings are skipped with indexOf. When the message is too deep, the id of its
 * top level is recovered if it came before the refused part, so a two-way channel can answer it.
 */
export function scanNesting(text: string, limit: number): Nesting {
  let depth = 0;
  let requestId: RequestId | undefined;
  for (let i = 0; i < text.length; i++) {
    switch (text.charCodeAt(i)) {
      case QUOTE: {
        const end = endOfString(text, i);
        if (depth === 1 && requestId === undefined && end === i + 3 && text.startsWith('id', i + 1))
          requestId = idAfter(text, end + 1);
        i = end;
        break;
      }
      case OPEN_SQUARE:
      case OPEN_CURLY:
        if (++depth > limit) return { tooDeep: true, requestId: requestId ?? null };
        break;
      case CLOSE_SQUARE:
      case CLOSE_CURLY:
        depth--;
        break;
    }
  }
  return SHALLOW;
}

/**
 * The id of a message's top level, found by scanning, not parsing: what a request refused before
 * its body is parsed (by its routing headers) is answered with. Null when there is none to use.
 */
export function scanRequestId(text: string): RequestId | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    switch (text.charCodeAt(i)) {
      case QUOTE: {
        const end = endOfString(text, i);
        if (depth === 1 && end === i + 3 && text.startsWith('id', i + 1)) {
          const id = idAfter(text, end + 1);
          if (id !== undefined) return id;
        }
        i = end;
        break;
      }
      case OPEN_SQUARE:
      case OPEN_CURLY:
        depth++;
        break;
      case CLOSE_SQUARE:
      case CLOSE_CURLY:
        depth--;
        break;
    }
  }
  return null;
}

/**
 * Whether `text` is one JSON object as far as its brackets and strings go, nested at most `limit`
 * deep: white space, `{`, a body whose strings end and whose brackets close in order, the `}`
 * that closes the first, white space. Not a parse: what it admits may still be invalid JSON, but
 * spliced into an answer as a value it cannot close that answer (or a batch around it) and open
 * another (a provider's result is passed through as text).
 */
export function isOneObject(text: string, limit: number): boolean {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_CURLY) return false;
  const open: number[] = [];
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) i = endOfString(text, i);
    else if (code === OPEN_CURLY || code === OPEN_SQUARE) {
      if (open.push(code) > limit) return false;
    } else if (code === CLOSE_CURLY || code === CLOSE_SQUARE) {
      if (open.pop() !== (code === CLOSE_CURLY ? OPEN_CURLY : OPEN_SQUARE)) return false;
      if (open.length === 0) return skipSpace(text, i + 1) === text.length;
    }
  }
  return false;
}
