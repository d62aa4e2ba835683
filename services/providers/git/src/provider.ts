import { type GitProvider, readTools, writeTools } from './tools.js';

export type { GitProvider } from './tools.js';

/** Every tool of the provider; local write tools only when configured. */
export function gitTools(p: GitProvider) {
  return [...readTools(p), ...(p.write ? writeTools(p) : [])];
}
