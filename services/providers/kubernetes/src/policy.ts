import { Refused } from './api.js';
import { isDenied, type ResourceType } from './kinds.js';

/** What the operator allowed; everything else is refused before a request is made. */
export interface KubePolicy {
  /** Namespaces a caller may read; there is no mode without a list. */
  namespaces: string[];
  /** Resource types never served (Secrets by default), matched after kind resolution. */
  deniedKinds: string[];
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
  if (isDenied(type, policy.deniedKinds))
    throw new Refused(
      `${type.kind} (${type.group ? `${type.resource}.${type.group}` : type.resource}) is denied`,
    );
  if (!type.namespaced)
    throw new Refused(`${type.kind} is cluster-scoped; this provider serves namespaced resources only`);
  return type;
}

/** The URL path of a namespaced resource collection or object. */
export function resourcePath(type: ResourceType, namespace: string, name?: string): string {
  const prefix = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  return `${prefix}/namespaces/${namespace}/${type.resource}${name ? `/${name}` : ''}`;
}
