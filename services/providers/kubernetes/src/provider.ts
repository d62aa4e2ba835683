import type { KubeApi } from './api.js';
import { type ContextInfo, contextTools } from './contexts.js';
import { explainTools } from './explain.js';
import { typeCatalog } from './kinds.js';
import { type KubePolicy, servedType } from './policy.js';
import { readTools } from './tools.js';
import { workloadTools } from './workload-tools.js';
import { writeTools } from './write-tools.js';

export { kubeApi } from './api.js';
export { contextsOf } from './contexts.js';
export type { KubePolicy } from './policy.js';

/** Every tool of the provider; write tools only when configured. */
export function kubernetesTools(options: {
  api: KubeApi;
  policy: KubePolicy;
  write: boolean;
  contexts: ContextInfo[];
}) {
  const p = { ...options, types: typeCatalog(options.api, (type) => servedType(options.policy, type)) };
  return [
    ...contextTools(p.contexts),
    ...readTools(p),
    ...explainTools(p),
    ...workloadTools(p),
    ...(p.write ? writeTools(p) : []),
  ];
}
