import { type KubeApi, KubeApiError, Refused } from './api.js';

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

/** What discovery found, and the group versions the API server listed but could not describe. */
export interface Discovery {
  types: ResourceType[];
  /** `metrics.k8s.io/v1beta1: the server is currently unable to handle the request (503)`, ... */
  unavailable: string[];
}

/**
 * Every resource type of the preferred version of each group (subresources left out), CRDs
 * included. A group the API server answers for with an error (an aggregated API whose backend is
 * down, such as metrics-server) is left out and named, so the other kinds stay usable, as kubectl
 * does; the core group and the list of groups must answer.
 */
export async function discover(api: KubeApi): Promise<Discovery> {
  const groups = (await api.get('/apis')) as { groups: { preferredVersion: { groupVersion: string } }[] };
  const unavailable: string[] = [];
  const lists = await Promise.all([
    api.get('/api/v1') as Promise<ResourceList>,
    ...groups.groups.map(({ preferredVersion: { groupVersion } }) =>
      (api.get(`/apis/${groupVersion}`) as Promise<ResourceList>).catch((err: unknown) => {
        if (!(err instanceof KubeApiError)) throw err;
        unavailable.push(`${groupVersion}: ${err.message} (${err.status})`);
        return undefined;
      }),
    ),
  ]);
  return {
    types: lists.flatMap((list) => (list ? typesOf(list) : [])),
    unavailable: unavailable.sort(),
  };
}

function typesOf(list: ResourceList): ResourceType[] {
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
  refresh(): Promise<Discovery>;
}

export function typeCatalog(api: KubeApi, serve: (type: ResourceType) => ResourceType): TypeCatalog {
  let discovery: Promise<Discovery> | undefined;
  const refresh = () => {
    discovery = discover(api).catch((err) => {
      discovery = undefined;
      throw err;
    });
    return discovery;
  };
  return {
    refresh,
    async typeFor(kind, apiVersion) {
      try {
        return serve(resolveType((await (discovery ?? refresh())).types, kind, apiVersion));
      } catch (err) {
        if (!(err instanceof UnknownKind)) throw err;
        const fresh = await refresh();
        try {
          return serve(resolveType(fresh.types, kind, apiVersion));
        } catch (again) {
          // The kind may be in a group the API server could not describe just now.
          if (!(again instanceof UnknownKind) || fresh.unavailable.length === 0) throw again;
          throw new UnknownKind(`${again.message}; not discovered: ${fresh.unavailable.join('; ')}`);
        }
      }
    },
  };
}
