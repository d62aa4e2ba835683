import { type KubeApi, Refused } from './api.js';
import type { ResourceType } from './kinds.js';
import { isObject } from './object-paths.js';
import { isNamespaceType, type KubePolicy, objectPath } from './policy.js';
import type { KubeObject } from './shown.js';

/**
 * Labels and annotations under this prefix are the fleet's own: the gateway's discovery follows
 * Services labelled `mcp-fleet.io/provider=true` and reads its settings (name, prefix, port) from
 * `mcp-fleet.io/*` annotations. Written by a caller, they would announce a provider of the
 * caller's choosing to every agent, or point a known one elsewhere.
 */
const FLEET_PREFIX = 'mcp-fleet.io/';
const PROVIDER_LABEL = `${FLEET_PREFIX}provider`;

/**
 * Refuses a write in a namespace where a Service announces a provider: the pods it selects are
 * the ones the gateway calls, with callers' arguments and identity tokens, so a pod written there
 * with matching labels, a scale to zero or a changed Deployment would take the provider over or
 * down. Such a namespace is the fleet's whether or not the operator listed it.
 */
async function refuseProviderNamespace(api: KubeApi, namespace: string): Promise<void> {
  const services = (await api.get(`/api/v1/namespaces/${namespace}/services`, {
    labelSelector: PROVIDER_LABEL,
    limit: 1,
  })) as { items?: KubeObject[] };
  const service = services.items?.[0];
  if (service)
    throw new Refused(
      `namespace ${namespace} is read-only through this provider: it holds the fleet (Service ${String(service.metadata?.name)} announces a provider to the gateway)`,
    );
}

/**
 * The URL path of an object a write tool (or exec) changes, after every policy check: the
 * policy's own (kinds, namespaces, the fleet's namespaces), then the cluster's (no provider the
 * gateway discovers lives in the namespace). Every write tool reaches its object through here.
 */
export async function writePath(
  policy: KubePolicy,
  api: KubeApi,
  type: ResourceType,
  at: { namespace?: string; name?: string },
): Promise<string> {
  const path = objectPath(policy, type, at, 'write');
  const namespace = type.namespaced ? at.namespace : isNamespaceType(type) ? at.name : undefined;
  if (namespace !== undefined) await refuseProviderNamespace(api, namespace);
  return path;
}

/**
 * Every `mcp-fleet.io/` label and annotation of an object, wherever its metadata sits (its own, a
 * pod template's, a job template's): `<path> <key>` → value.
 */
function fleetKeys(object: KubeObject | undefined): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const stack: [unknown, string][] = [[object, '']];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [value, at] = entry;
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) stack.push([item, `${at}[${index}]`]);
    } else if (isObject(value))
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'status') continue;
        const path = at ? `${at}.${key}` : key;
        if ((key === 'labels' || key === 'annotations') && at.endsWith('metadata') && isObject(inner)) {
          for (const [name, text] of Object.entries(inner))
            if (name.startsWith(FLEET_PREFIX)) found.set(`${path}["${name}"]`, text);
        } else stack.push([inner, path]);
      }
  }
  return found;
}

/** What a write does to the fleet's metadata: any `mcp-fleet.io/` label or annotation set, changed or removed. */
export function fleetMetadataProblems(before: KubeObject | undefined, after: KubeObject): string[] {
  const old = fleetKeys(before);
  const now = fleetKeys(after);
  return [...new Set([...old.keys(), ...now.keys()])]
    .filter((key) => old.get(key) !== now.get(key))
    .map(
      (key) =>
        `${key} is the fleet's own (the gateway's provider discovery reads it): not writable through this provider`,
    );
}
