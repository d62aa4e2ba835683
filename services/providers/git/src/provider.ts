import type { GitProvider } from './context.js';
import { readTools } from './tools/read.js';
import { remoteTools } from './tools/remote.js';
import { writeTools } from './tools/write.js';

export type { GitProvider } from './context.js';
export type { RemotePolicy, SshAccess } from './remote.js';

/** Every tool of the provider; local write and remote tools only when configured. */
export function gitTools(p: GitProvider) {
  return [...readTools(p), ...(p.write ? writeTools(p) : []), ...(p.remote ? remoteTools(p, p.remote) : [])];
}
