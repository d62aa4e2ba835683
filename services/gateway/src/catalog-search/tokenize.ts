/** Words too common in tool text to tell one tool from another. */
const STOPWORDS: ReadonlySet<string> = new Set(
  'a an and are as at be by for from has how i in is it its my of on or that the this to was what when which with'.split(
    ' ',
  ),
);

/** Suffixes folded so "listing", "lists" and "listed" meet "list" (but "status" and "analysis" stay). */
const SUFFIXES: readonly [string, string, number][] = [
  ['ies', 'y', 4],
  ['sses', 'ss', 5],
  ['ing', '', 6],
  ['ed', '', 5],
  ['es', '', 5],
  ['s', '', 4],
];

function stem(word: string): string {
  for (const [suffix, replacement, minLength] of SUFFIXES) {
    if (word.length >= minLength && word.endsWith(suffix) && !(suffix === 's' && /(ss|us|is)$/.test(word)))
      return word.slice(0, -suffix.length) + replacement;
  }
  return word;
}

/**
 * Index terms of a text: camelCase and snake_case/kebab-case split into words, lower-cased,
 * stopwords dropped, plural and verb endings folded. The same function serves documents and queries.
 */
export function tokenize(text: string): string[] {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    // A lookahead, not `([A-Z]+)([A-Z][a-z])`: that backtracks quadratically on a long run of capitals.
    .replace(/([A-Z])(?=[A-Z][a-z])/g, '$1 ')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  const terms: string[] = [];
  for (const word of words) {
    if (word === '' || STOPWORDS.has(word)) continue;
    terms.push(stem(word));
  }
  return terms;
}
