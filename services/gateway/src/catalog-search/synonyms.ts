/**
 * Words agents use for the few actions nearly every tool name is made of, mapped to the word tool
 * names use (after stemming). Query-side only: documents are indexed as written.
 */
const ACTIONS: Readonly<Record<string, readonly string[]>> = {
  create: ['add', 'new', 'open', 'start', 'write', 'book', 'make', 'take', 'register', 'issue', 'post'],
  delete: ['remove', 'purge', 'revoke', 'cancel', 'drop', 'erase', 'destroy'],
  update: ['change', 'edit', 'modify', 'rename', 'set', 'adjust'],
  get: ['read', 'fetch', 'show', 'view', 'inspect', 'detail', 'check', 'lookup', 'track'],
  list: ['show', 'all', 'enumerate', 'browse'],
  search: ['find', 'look', 'query', 'match'],
  count: ['many', 'number', 'total', 'tally'],
  export: ['download', 'dump', 'csv'],
  archive: ['retire', 'hide', 'shelve'],
};

const EXPANSIONS = new Map<string, string[]>();
for (const [action, words] of Object.entries(ACTIONS)) {
  for (const word of words) EXPANSIONS.set(word, [...(EXPANSIONS.get(word) ?? []), action]);
}

/** The query's terms followed by the action words they stand for. */
export function expandQuery(terms: readonly string[]): string[] {
  return [...terms, ...terms.flatMap((term) => EXPANSIONS.get(term) ?? [])];
}
