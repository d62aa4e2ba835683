import type { FsProvider } from './context.js';
import { find, grep, list, listRoots, readMany, readMedia, readText, stat, tree } from './tools/read.js';
import { copy, edit, makeDirectory, move, remove, write } from './tools/write.js';

export type { FsProvider } from './context.js';
export { AccessDenied, resolvePath, type Scope } from './resolve.js';
export { loadRoots, type Root, within } from './roots.js';

/** Every tool of the provider; write tools only when some root is writable. */
export function filesystemTools(p: FsProvider) {
  const read = [listRoots, readText, readMedia, readMany, list, tree, find, grep, stat];
  const writes = p.roots.some((r) => r.writable) ? [write, edit, makeDirectory, move, copy, remove] : [];
  return [...read, ...writes].map((make) => make(p));
}
