import type { Root } from '@mcp-fleet/path-guard';
import type { RemotePolicy } from './remote.js';
import type { GitLimits } from './run.js';

/** What every tool of this provider shares. */
export interface GitProvider {
  /** Repositories live under these; `clone` creates new ones only in writable roots. */
  roots: Root[];
  /** Remote tools (clone, fetch, pull, push) are registered only when set. */
  remote?: RemotePolicy;
  limits: GitLimits;
  /** Local write tools (add, commit, branch, ...) are registered only when true. */
  write: boolean;
  /** Commit as the caller (`<subject> <subject@<domain>>`) when set. */
  authorDomain?: string;
}
