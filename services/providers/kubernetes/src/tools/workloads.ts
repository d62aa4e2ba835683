import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import { Refused } from '../api.js';
import type { Cluster } from '../clusters.js';
import type { KubernetesProvider } from '../context.js';
import type { ResourceType } from '../kinds.js';
import { dnsLabel, objectPath } from '../policy.js';
import { ROLLOUT_KINDS } from '../rollout-state.js';
import { CONTEXT, NAME, NAMESPACE, WORKLOAD_REF } from '../schemas.js';
import { render } from '../shown.js';

const MAX_LOG_BYTES = 1024 * 1024;

/** A served workload type with a rollout (Deployment, StatefulSet, DaemonSet), however spelled. */
export async function workloadType(cluster: Cluster, kind = 'Deployment'): Promise<ResourceType> {
  const type = await cluster.types.typeFor(kind);
  if (type.group !== 'apps' || !ROLLOUT_KINDS[type.resource])
    throw new Refused(`${type.kind} has no rollout: use Deployment, StatefulSet or DaemonSet`);
  return type;
}

export function workloadTools(p: KubernetesProvider) {
  return [
    defineTool<{ context?: string; kind?: string; namespace: string; name: string }>({
      name: 'rollout_status',
      title: 'Rollout status',
      description:
        "Whether a Deployment's, StatefulSet's or DaemonSet's rollout is complete, progressing (and why) or failed.",
      inputSchema: {
        type: 'object',
        properties: WORKLOAD_REF,
        required: ['namespace', 'name'],
        additionalProperties: false,
      },
      annotations: READ_ONLY,
      async handler(a) {
        const cluster = p.cluster(a.context);
        const type = await workloadType(cluster, a.kind);
        const workload = await cluster.api.get(objectPath(p.policy, type, a, 'read'));
        const state = ROLLOUT_KINDS[type.resource]?.(workload as never);
        return render({ kind: type.kind, name: a.name, ...state });
      },
    }),

    defineTool<{
      context?: string;
      namespace: string;
      name: string;
      container?: string;
      tailLines?: number;
      sinceSeconds?: number;
      previous?: boolean;
    }>({
      name: 'pod_logs',
      title: 'Pod logs',
      description: 'The last lines a container of a pod wrote (returned as data, capped at 1 MiB).',
      inputSchema: {
        type: 'object',
        properties: {
          context: CONTEXT,
          namespace: NAMESPACE,
          name: NAME,
          container: NAME,
          tailLines: { type: 'integer', minimum: 1, maximum: 5000, default: 200 },
          sinceSeconds: { type: 'integer', minimum: 1 },
          previous: { type: 'boolean', default: false },
        },
        required: ['namespace', 'name'],
        additionalProperties: false,
      },
      annotations: READ_ONLY,
      async handler(a) {
        const { api, types } = p.cluster(a.context);
        // The pods type must itself be served: a deny-list naming pods hides their logs too.
        const type = await types.typeFor('pods');
        const log = await api.getText(`${objectPath(p.policy, type, a, 'read')}/log`, {
          container: a.container === undefined ? undefined : dnsLabel(a.container, 'container name'),
          tailLines: a.tailLines ?? 200,
          sinceSeconds: a.sinceSeconds,
          previous: a.previous ? 'true' : undefined,
          limitBytes: MAX_LOG_BYTES,
        });
        return {
          content: [{ type: 'text' as const, text: log || '(no log lines)' }],
          structuredContent: { pod: a.name, container: a.container, log },
        };
      },
    }),
  ];
}
