import { type KubernetesProvider, readTools } from './tools.js';

export { kubeApi } from './api.js';
export type { KubePolicy } from './policy.js';
export type { KubernetesProvider } from './tools.js';

/** Every tool of the provider: read-only (write tools come with their own switch). */
export function kubernetesTools(p: KubernetesProvider) {
  return readTools(p);
}
