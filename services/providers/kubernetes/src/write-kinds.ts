import { Refused } from './api.js';
import { fullName, type ResourceType } from './kinds.js';

/**
 * The kinds the write tools (apply, patch, scale, rollout, delete) may touch without an operator
 * naming them: workloads, whose pod specs are judged against the pod-spec allow-list, and the
 * objects that configure, expose inside the cluster or scale them. Everything else is refused by construction,
 * whatever the API server would allow the provider's own credentials: RBAC objects (a Role and
 * binding hand the provider's reach, Secrets included, to anyone), ServiceAccounts and Secrets
 * (credentials; a token Secret mints one), NetworkPolicies (a deny-all stops a service unasked),
 * ControllerRevisions (forged rollout history), Namespaces (Pod Security labels), Ingresses (they
 * publish a Service outside the cluster and may claim any host or path of a shared controller,
 * the gateway's own included), webhooks, CRDs, custom resources and kinds a later Kubernetes adds.
 */
export const WRITABLE_KINDS: readonly string[] = [
  'configmaps',
  'persistentvolumeclaims',
  'pods',
  'podtemplates',
  'replicationcontrollers',
  'services',
  'daemonsets.apps',
  'deployments.apps',
  'replicasets.apps',
  'statefulsets.apps',
  'cronjobs.batch',
  'jobs.batch',
  'horizontalpodautoscalers.autoscaling',
  'poddisruptionbudgets.policy',
];

/**
 * A type the write tools may touch: on the built-in list or on the operator's (matched on the
 * group-qualified name only, so a custom resource named like a built-in kind is not admitted).
 */
export function writableType(type: ResourceType, extra: readonly string[] = []): ResourceType {
  const name = fullName(type);
  const listed = (entry: string) => entry.trim().toLowerCase() === name;
  if (!WRITABLE_KINDS.includes(name) && !extra.some(listed))
    throw new Refused(
      `${type.kind} (${name}) is not writable through this provider: only ${WRITABLE_KINDS.join(', ')}${extra.length ? `, ${extra.join(', ')}` : ''}; an operator can add it to MCPFLEET_K8S_WRITE_KINDS`,
    );
  return type;
}
