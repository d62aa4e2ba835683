import { defineTool } from '@mcp-fleet/sdk';
import { allowedNamespace, dnsLabel, objectName, resourcePath } from './policy.js';
import { type KubernetesProvider, NAME, NAMESPACE, READ, render } from './tools.js';

const MAX_LOG_BYTES = 1024 * 1024;

interface Deployment {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; reason?: string; message?: string }[];
  };
}

/** Where a Deployment's rollout stands, by the same rules `kubectl rollout status` applies. */
export function rolloutState(d: Deployment): { done: boolean; failed: boolean; message: string } {
  const wanted = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const stalled = s.conditions?.find(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  );
  if (stalled)
    return { done: false, failed: true, message: `rollout failed: ${stalled.message ?? stalled.reason}` };
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0))
    return { done: false, failed: false, message: 'waiting for the controller to observe the new spec' };
  const updated = s.updatedReplicas ?? 0;
  if (updated < wanted)
    return { done: false, failed: false, message: `${updated} of ${wanted} replicas updated` };
  const old = (s.replicas ?? 0) - updated;
  if (old > 0) return { done: false, failed: false, message: `${old} old replicas pending termination` };
  const available = s.availableReplicas ?? 0;
  if (available < updated)
    return { done: false, failed: false, message: `${available} of ${updated} updated replicas available` };
  return { done: true, failed: false, message: 'rollout complete' };
}

export function workloadTools(p: KubernetesProvider) {
  return [
    defineTool<{ namespace: string; name: string }>({
      name: 'rollout_status',
      title: 'Rollout status',
      description: "Whether a Deployment's rollout is complete, progressing or failed.",
      inputSchema: {
        type: 'object',
        properties: { namespace: NAMESPACE, name: NAME },
        required: ['namespace', 'name'],
        additionalProperties: false,
      },
      annotations: READ,
      async handler(a) {
        const namespace = allowedNamespace(p.policy, a.namespace);
        const type = await p.types.typeFor('deployments.apps');
        const deployment = (await p.api.get(resourcePath(type, namespace, objectName(a.name)))) as Deployment;
        return render({ name: a.name, ...rolloutState(deployment) });
      },
    }),

    defineTool<{
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
      annotations: READ,
      async handler(a) {
        const namespace = allowedNamespace(p.policy, a.namespace);
        // The pods type must itself be served: a deny-list naming pods hides their logs too.
        const type = await p.types.typeFor('pods');
        const log = await p.api.getText(`${resourcePath(type, namespace, objectName(a.name))}/log`, {
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
