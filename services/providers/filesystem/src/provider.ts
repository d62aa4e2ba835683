import type { FsProvider } from './context.js';
import { copy, makeDirectory, move, remove } from './tools/entries.js';
import { list, listRoots, readMany, readMedia, readText, stat, tree } from './tools/read.js';
import { find, grep } from './tools/search.js';
import { edit, write } from './tools/write.js';

export { loadRoots, type Root } from '@mcp-fleet/path-guard';
export type { FsProvider } from './context.js';

/** Every tool of the provider; write tools only when some root is writable. */
export function filesystemTools(p: FsProvider) {
  const read = [listRoots, readText, readMedia, readMany, list, tree, find, grep, stat];
  const writes = p.roots.some((r) => r.writable) ? [write, edit, makeDirectory, move, copy, remove] : [];
  return [...read, ...writes].map((make) => make(p));
}
