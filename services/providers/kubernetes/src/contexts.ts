import type { KubeConfig } from '@kubernetes/client-node';
import { defineTool } from '@mcp-fleet/sdk';
import { READ, render } from './tools.js';

/** A kubeconfig context as callers may see it: names and the server, never the user or credentials. */
export interface ContextInfo {
  name: string;
  cluster: string;
  server?: string;
  namespace?: string;
  inUse: boolean;
}

export function contextsOf(kc: KubeConfig): ContextInfo[] {
  const current = kc.getCurrentContext();
  return kc.getContexts().map((c) => ({
    name: c.name,
    cluster: c.cluster,
    server: kc.getCluster(c.cluster)?.server,
    namespace: c.namespace,
    inUse: c.name === current,
  }));
}

export function contextTools(contexts: ContextInfo[]) {
  return [
    defineTool<Record<string, never>>({
      name: 'contexts_list',
      title: 'Contexts',
      description: 'The contexts of the provider kubeconfig and the one it uses (it does not switch).',
      inputSchema: { type: 'object', properties: {}, additionalProperties: false },
      annotations: READ,
      handler: async () => render({ contexts }),
    }),
  ];
}
