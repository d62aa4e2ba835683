import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import { KubeApiError, Refused } from '../api.js';
import type { KubernetesProvider } from '../context.js';
import type { ResourceType } from '../kinds.js';
import { objectPath } from '../policy.js';
import { CONTEXT, NAME, NAMESPACE } from '../schemas.js';
import { render } from '../shown.js';

const METRICS = '/apis/metrics.k8s.io/v1beta1';

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity (`250m`, `123456n`, `64Mi`, `1e3`) as a number of base units. */
export function quantity(value: string | undefined): number {
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(value ?? '');
  const factor = match ? SUFFIX[match[2] ?? ''] : undefined;
  if (!match || factor === undefined) return Number.NaN;
  return Number(match[1]) * factor;
}

interface Usage {
  cpu?: string;
  memory?: string;
}
interface MetricsItem {
  metadata: { name: string; namespace?: string };
  timestamp?: string;
  window?: string;
  usage?: Usage;
  containers?: { name: string; usage?: Usage }[];
}

/** Usage in the units people read: CPU in millicores, memory in MiB. */
const readable = (usage: Usage[]) => ({
  cpuMillicores: Math.round(usage.reduce((sum, u) => sum + quantity(u.cpu) * 1000, 0)),
  memoryMiB: Math.round((usage.reduce((sum, u) => sum + quantity(u.memory), 0) / 2 ** 20) * 10) / 10,
});

const METRICS_TYPES: Record<'pods' | 'nodes', ResourceType> = {
  pods: metricsType('pods', 'PodMetrics', true),
  nodes: metricsType('nodes', 'NodeMetrics', false),
};

function metricsType(resource: string, kind: string, namespaced: boolean): ResourceType {
  const type = { group: 'metrics.k8s.io', version: 'v1beta1', resource, kind, namespaced };
  return { ...type, shortNames: [], singular: resource.slice(0, -1), verbs: ['get', 'list'] };
}

export function metricsTools(p: KubernetesProvider) {
  return [
    defineTool<{
      context?: string;
      resource?: 'pods' | 'nodes';
      namespace?: string;
      name?: string;
      labelSelector?: string;
    }>({
      name: 'top',
      title: 'Top',
      description:
        'CPU (millicores) and memory (MiB) in use by the pods of an allowed namespace, per container, or by nodes (cluster-scoped reads), from the metrics API; highest CPU first.',
      inputSchema: {
        type: 'object',
        properties: {
          context: CONTEXT,
          resource: { type: 'string', enum: ['pods', 'nodes'], default: 'pods' },
          namespace: NAMESPACE,
          name: NAME,
          labelSelector: { type: 'string', maxLength: 1024 },
        },
        additionalProperties: false,
      },
      annotations: READ_ONLY,
      async handler(a) {
        const { api, types } = p.cluster(a.context);
        const resource = a.resource ?? 'pods';
        // The metrics of a kind are readable only where the kind itself is: same deny-list, same scope.
        await types.typeFor(resource);
        const path = objectPath(p.policy, METRICS_TYPES[resource], a, 'read');
        await api.get(METRICS).catch((err) => {
          if (err instanceof KubeApiError && err.status === 404)
            throw new Refused(
              'this cluster serves no metrics API (metrics.k8s.io): install metrics-server to use top',
            );
          throw err;
        });
        const answer = (await api.get(path, { labelSelector: a.labelSelector })) as
          | MetricsItem
          | { items: MetricsItem[] };
        const items = 'items' in answer ? answer.items : [answer];
        const rows = items
          .map((item) => ({
            name: item.metadata.name,
            ...(item.metadata.namespace ? { namespace: item.metadata.namespace } : {}),
            ...readable(item.usage ? [item.usage] : (item.containers ?? []).map((c) => c.usage ?? {})),
            ...(item.containers
              ? { containers: item.containers.map((c) => ({ name: c.name, ...readable([c.usage ?? {}]) })) }
              : {}),
            window: item.window,
            timestamp: item.timestamp,
          }))
          .sort((x, y) => y.cpuMillicores - x.cpuMillicores);
        return render({ resource, items: rows });
      },
    }),
  ];
}
