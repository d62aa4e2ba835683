import { type ClusterTarget, clusterChooser, contextTools } from './contexts.js';
import { execTools } from './exec-tools.js';
import { explainTools } from './explain.js';
import { metricsTools } from './metrics-tools.js';
import type { KubePolicy } from './policy.js';
import { rolloutTools } from './rollout-tools.js';
import { type Confirm, readTools } from './tools.js';
import { workloadTools } from './workload-tools.js';
import { writeTools } from './write-tools.js';

export { kubeApi } from './api.js';
export { type ClusterTarget, clustersOf } from './contexts.js';
export type { KubePolicy } from './policy.js';

/** Every tool of the provider; write tools only when configured. The first cluster is the default. */
export function kubernetesTools(options: {
  clusters: ClusterTarget[];
  policy: KubePolicy;
  write: boolean;
  confirm: Confirm;
  /** Register `exec` (its own opt-in), with this limit on each command's run time. */
  exec?: { timeoutMs: number };
}) {
  const p = { ...options, cluster: clusterChooser(options.clusters, options.policy) };
  return [
    ...contextTools(options.clusters),
    ...readTools(p),
    ...explainTools(p),
    ...workloadTools(p),
    ...metricsTools(p),
    ...(p.write ? [...writeTools(p), ...rolloutTools(p)] : []),
    ...(options.exec ? execTools(p, options.exec.timeoutMs) : []),
  ];
}
