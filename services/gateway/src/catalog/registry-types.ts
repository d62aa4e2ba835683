import type { ListKind } from './merged.js';

/**
 * `starting`: no catalog yet, and still worth waiting for (the gateway is starting and the
 * provider is not listening yet); `up`: its catalog is served; `down`: unreachable or failing.
 */
export type ProviderState = 'starting' | 'up' | 'down';

export interface ProviderStatus {
  name: string;
  target: string;
  state: ProviderState;
  up: boolean;
  /** Why it is not up, once an attempt failed. */
  error?: string;
}

/**
 * `waiting` until every provider delivered its first catalog or failed for good, `complete` then,
 * `timed out` when the start-up timeout ended the wait first.
 */
export type StartupPhase = 'waiting' | 'complete' | 'timed out';

export interface RegistryEvents {
  /** The lists clients see changed. */
  listChanged: [kinds: ListKind[]];
  /** A provider announced a change of a subscribable resource. */
  resourceUpdated: [uri: string];
}
