import { Refused } from './api.js';
import type { Cluster } from './clusters.js';
import { type KubePolicy, objectPath } from './policy.js';
import type { KubeObject } from './shown.js';

type OwnerReference = { apiVersion: string; kind: string; name: string; controller?: boolean };

export interface Owner {
  kind: string;
  name: string;
  apiVersion: string;
  /** Why the walk stopped at this owner: it could not be read. */
  note?: string;
}

/**
 * The chain of controlling owners of an object (e.g. Pod → ReplicaSet → Deployment). Owners live
 * in the same namespace; a short walk, and a denied kind is named but not read.
 */
export async function ownerChain(
  { api, types }: Cluster,
  policy: KubePolicy,
  object: KubeObject,
  namespace: string | undefined,
): Promise<Owner[]> {
  const owners: Owner[] = [];
  let current = object;
  for (let depth = 0; depth < 5; depth++) {
    const refs = (current.metadata?.ownerReferences ?? []) as OwnerReference[];
    const ref = refs.find((r) => r.controller) ?? refs[0];
    if (!ref) break;
    const owner = { kind: ref.kind, name: ref.name, apiVersion: ref.apiVersion };
    try {
      const ownerType = await types.typeFor(ref.kind, ref.apiVersion);
      current = (await api.get(
        objectPath(policy, ownerType, { namespace, name: ref.name }, 'read'),
      )) as KubeObject;
      owners.push(owner);
    } catch (err) {
      owners.push({ ...owner, note: err instanceof Refused ? err.message : 'not readable' });
      break;
    }
  }
  return owners;
}
