import { Refused } from './api.js';
import { fullName, isDenied, type ResourceType } from './kinds.js';
import { writableType } from './write-kinds.js';

/** Which cluster-scoped types (Nodes, ClusterRoles, CRDs…) callers may reach, and how. */
export type ClusterScope = 'none' | 'read' | 'write';
export type Access = 'read' | 'write';

/** What the operator allowed; everything else is refused before a request is made. */
export interface KubePolicy {
  /** Namespaces a caller may read; there is no mode without a list. */
  namespaces: string[];
  /** Resource types never served (Secrets by default), matched after kind resolution. */
  deniedKinds: string[];
  /** Off by default; writes to cluster-scoped types have their own level. */
  clusterScoped: ClusterScope;
  /**
   * Whether pod specs written through the provider may use Secrets and credentials (Secret
   * volumes and env, image pull Secrets, other ServiceAccounts, tokens for other audiences).
   * Off by default: a workload's logs and status would reveal what it reads.
   */
  workloadSecrets: boolean;
  /**
   * Kinds the write tools may touch beyond the built-in allow-list (`resource` for core types,
   * `resource.group` otherwise): RBAC, Secrets, ServiceAccounts, webhooks… only when listed here.
   */
  writeKinds?: string[];
  /**
   * Namespaces that hold the fleet itself (the gateway, its providers, the Services its discovery
   * follows): read like any allowed namespace, never written or exec'd into, whatever `write`.
   */
  fleetNamespaces?: string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS label (namespace, container name); `--server=…` or `../x` is an invalid value, never a flag. */
export function dnsLabel(value: string, what: string): string {
  if (!DNS_LABEL.test(value)) throw new Refused(`invalid ${what} ${JSON.stringify(value)}`);
  return value;
}

/** A namespace the policy allows. */
export function allowedNamespace(policy: KubePolicy, namespace: string): string {
  dnsLabel(namespace, 'namespace');
  if (!policy.namespaces.includes(namespace))
    throw new Refused(`namespace ${namespace} is not in the allow-list (${policy.namespaces.join(', ')})`);
  return namespace;
}

/** An object name as the API accepts it; URL and option look-alikes never get near a path. */
export function objectName(name: string): string {
  if (!DNS_SUBDOMAIN.test(name)) throw new Refused(`invalid object name ${JSON.stringify(name)}`);
  return name;
}

export function servedType(policy: KubePolicy, type: ResourceType): ResourceType {
  if (isDenied(type, policy.deniedKinds)) throw new Refused(`${type.kind} (${fullName(type)}) is denied`);
  return type;
}

export const isNamespaceType = (type: ResourceType) => type.group === '' && type.resource === 'namespaces';

/** Refuses a write in (or of) a namespace that holds the fleet. */
function outsideFleet(policy: KubePolicy, namespace: string): void {
  if (policy.fleetNamespaces?.includes(namespace))
    throw new Refused(
      `namespace ${namespace} is read-only through this provider: it holds the fleet (gateway, providers, discovered Services)`,
    );
}

/**
 * Where objects of `type` may be reached: an allowed namespace for a namespaced type (the
 * `namespace` a cluster-scoped type is given is ignored, as the API does), nothing for a
 * cluster-scoped type the policy opens to this access.
 */
export function scopeOf(
  policy: KubePolicy,
  type: ResourceType,
  namespace: string | undefined,
  access: Access,
): string | undefined {
  if (type.namespaced) {
    if (namespace === undefined) throw new Refused(`${type.kind} is namespaced: give an allowed namespace`);
    if (access === 'write') outsideFleet(policy, namespace);
    return allowedNamespace(policy, namespace);
  }
  if (policy.clusterScoped !== 'write' && policy.clusterScoped !== access)
    throw new Refused(`${type.kind} is cluster-scoped and cluster-scoped ${access}s are not enabled`);
  return undefined;
}

/**
 * The URL path of a collection or an object after every policy check. Namespace objects are
 * cluster-scoped but stay inside the allow-list: only allowed ones are named, none are listed.
 * Every write tool reaches its object through here, so a kind off the write allow-list is
 * refused whichever tool names it.
 */
export function objectPath(
  policy: KubePolicy,
  type: ResourceType,
  at: { namespace?: string; name?: string },
  access: Access,
): string {
  const namespace = scopeOf(policy, type, at.namespace, access);
  if (access === 'write') writableType(type, policy.writeKinds);
  const name = at.name === undefined ? undefined : objectName(at.name);
  if (isNamespaceType(type)) {
    if (name === undefined) throw new Refused('namespaces are listed by namespaces_list');
    if (access === 'write') outsideFleet(policy, name);
    allowedNamespace(policy, name);
  }
  return resourcePath(type, namespace, name);
}

/** The URL path of a resource collection or object, namespaced or cluster-scoped. */
export function resourcePath(type: ResourceType, namespace: string | undefined, name?: string): string {
  const prefix = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const scope = namespace === undefined ? '' : `/namespaces/${namespace}`;
  return `${prefix}${scope}/${type.resource}${name ? `/${name}` : ''}`;
}
