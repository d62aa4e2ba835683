import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import type { ClusterTarget } from '../clusters.js';
import { render } from '../shown.js';

/** The contexts callers may name, the default one marked. */
export function contextTools(targets: ClusterTarget[]) {
  const contexts = targets.map((t, index) => ({ ...t.context, default: index === 0 }));
  return [
    defineTool<Record<string, never>>({
      name: 'contexts_list',
      title: 'Contexts',
      description:
        'The kubeconfig contexts callers may name in the `context` argument of every tool; the default one is used when a call names none.',
      inputSchema: { type: 'object', properties: {}, additionalProperties: false },
      annotations: READ_ONLY,
      handler: async () => render({ contexts }),
    }),
  ];
}
