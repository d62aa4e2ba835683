import { type GitProvider, readTools, remoteTools, writeTools } from './tools.js';

export type { GitProvider } from './tools.js';

/** Every tool of the provider; local write and remote tools only when configured. */
export function gitTools(p: GitProvider) {
  return [...readTools(p), ...(p.write ? writeTools(p) : []), ...(p.remote ? remoteTools(p, p.remote) : [])];
}
