import { type ClusterTarget, clusterChooser } from './clusters.js';
import type { Confirm } from './confirm.js';
import type { KubePolicy } from './policy.js';
import { contextTools } from './tools/contexts.js';
import { execTools } from './tools/exec.js';
import { explainTools } from './tools/explain.js';
import { metricsTools } from './tools/metrics.js';
import { readTools } from './tools/read.js';
import { rolloutTools } from './tools/rollout.js';
import { workloadTools } from './tools/workloads.js';
import { writeTools } from './tools/write.js';

export { kubeApi } from './api.js';
export { type ClusterTarget, clustersOf } from './clusters.js';
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
