import { type KubeApi, Refused } from './api.js';

class UnknownKind extends Refused {}

/** One resource type the API server serves, from discovery. */
export interface ResourceType {
  group: string;
  version: string;
  /** The plural resource name used in URLs, e.g. `deployments`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  singular: string;
  verbs: string[];
}

interface ResourceList {
  groupVersion: string;
  resources: {
    name: string;
    singularName?: string;
    namespaced: boolean;
    kind: string;
    verbs: string[];
    shortNames?: string[];
  }[];
}

/** Every resource type of the preferred version of each group (subresources left out), CRDs included. */
export async function discover(api: KubeApi): Promise<ResourceType[]> {
  const groups = (await api.get('/apis')) as { groups: { preferredVersion: { groupVersion: string } }[] };
  const lists = await Promise.all([
    api.get('/api/v1') as Promise<ResourceList>,
    ...groups.groups.map((g) => api.get(`/apis/${g.preferredVersion.groupVersion}`) as Promise<ResourceList>),
  ]);
  return lists.flatMap((list) => {
    const [group, version] = list.groupVersion.includes('/')
      ? list.groupVersion.split('/')
      : ['', list.groupVersion];
    return list.resources
      .filter((r) => !r.name.includes('/'))
      .map((r) => ({
        group: group ?? '',
        version: version ?? '',
        resource: r.name,
        kind: r.kind,
        namespaced: r.namespaced,
        shortNames: r.shortNames ?? [],
        singular: r.singularName || r.kind.toLowerCase(),
        verbs: r.verbs,
      }));
  });
}

/**
 * Finds the resource type a caller means, however it is spelled: `Secret`, `secret`, `secrets`,
 * `v1/Secret`, `secrets.v1.` or `deployments.apps`, plus an optional apiVersion. The deny-list is
 * then checked on what was found, so no spelling gets around it.
 */
export function resolveType(types: ResourceType[], kind: string, apiVersion?: string): ResourceType {
  let name = kind.trim();
  let groupVersion = apiVersion?.trim();
  const slash = name.lastIndexOf('/');
  if (slash >= 0) {
    groupVersion = name.slice(0, slash);
    name = name.slice(slash + 1);
  }
  const [base = '', ...rest] = name.replace(/\.$/, '').split('.');
  // `resource.version.group` or `resource.group`: the tail names the group (and maybe the version).
  let group: string | undefined;
  let version: string | undefined;
  if (rest.length > 0) {
    if (/^v\d+((alpha|beta)\d+)?$/.test(rest[0] ?? '')) {
      version = rest[0];
      group = rest.slice(1).join('.');
    } else group = rest.join('.');
  }
  if (groupVersion) {
    const parts = groupVersion.split('/');
    [group, version] = parts.length === 1 ? ['', parts[0]] : [parts[0], parts[1]];
  }
  const needle = base.toLowerCase();
  const matches = types.filter(
    (t) =>
      (t.kind.toLowerCase() === needle ||
        t.resource === needle ||
        t.singular === needle ||
        t.shortNames.includes(needle)) &&
      (group === undefined || t.group === group) &&
      (version === undefined || t.version === version),
  );
  // Core types win over same-named ones elsewhere, as kubectl does.
  const found = matches.find((t) => t.group === '') ?? matches[0];
  if (!found)
    throw new UnknownKind(`unknown kind ${JSON.stringify(kind)}${apiVersion ? ` in ${apiVersion}` : ''}`);
  return found;
}

/** `deployments.apps`, or the bare resource of a core type: `secrets`. */
export const fullName = (type: ResourceType) =>
  type.group ? `${type.resource}.${type.group}` : type.resource;

/** `secrets`, `secrets.v1` style entries, or `resource.group`, as an operator writes them. */
export function isDenied(type: ResourceType, denied: string[]): boolean {
  const full = fullName(type);
  return denied.some((d) => {
    const entry = d.trim().toLowerCase();
    return entry === full || entry === type.resource || entry === type.kind.toLowerCase();
  });
}

/** Discovery, cached per process and refreshed when a kind is not found (a CRD may be new). */
export interface TypeCatalog {
  /** The served type for a caller's spelling of a kind, after the policy's deny and scope checks. */
  typeFor(kind: string, apiVersion?: string): Promise<ResourceType>;
  refresh(): Promise<ResourceType[]>;
}

export function typeCatalog(api: KubeApi, serve: (type: ResourceType) => ResourceType): TypeCatalog {
  let types: Promise<ResourceType[]> | undefined;
  const refresh = () => {
    types = discover(api).catch((err) => {
      types = undefined;
      throw err;
    });
    return types;
  };
  return {
    refresh,
    async typeFor(kind, apiVersion) {
      try {
        return serve(resolveType(await (types ?? refresh()), kind, apiVersion));
      } catch (err) {
        if (!(err instanceof UnknownKind)) throw err;
        return serve(resolveType(await refresh(), kind, apiVersion));
      }
    },
  };
}
