import type { Cluster } from './clusters.js';
import type { Confirm } from './confirm.js';
import type { KubePolicy } from './policy.js';

/** What every tool of this provider shares. */
export interface KubernetesProvider {
  policy: KubePolicy;
  /** The cluster of a call's `context` (the default one when absent), inside the allow-list. */
  cluster(context: string | undefined): Cluster;
  /** Write tools are registered only when true. */
  write: boolean;
  confirm: Confirm;
}
