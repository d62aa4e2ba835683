import { KubeConfig } from '@kubernetes/client-node';
import { type KubeApi, kubeApi, Refused } from './api.js';
import { type TypeCatalog, typeCatalog } from './kinds.js';
import { type KubePolicy, servedType } from './policy.js';

/** A kubeconfig context as callers may see it: names and the server, never the user or credentials. */
export interface ContextInfo {
  name: string;
  cluster: string;
  server?: string;
  namespace?: string;
}

/** One cluster the provider may talk to: a context of the allow-list and its API client. */
export interface ClusterTarget {
  context: ContextInfo;
  api: KubeApi;
}

/** A cluster ready for tools: its API and its discovery, cached per cluster. */
export interface Cluster {
  api: KubeApi;
  types: TypeCatalog;
}

/**
 * The allowed contexts of a kubeconfig, the current one first (it is the default). With no
 * allow-list only the current context is reachable; a listed context the kubeconfig lacks is a
 * configuration error.
 */
export function clustersOf(kc: KubeConfig, allowed: string[], timeoutMs: number): ClusterTarget[] {
  const current = kc.getCurrentContext();
  const names = [current, ...allowed.filter((name) => name !== current)];
  return names.map((name) => {
    const context = kc.getContextObject(name);
    if (!context) throw new Error(`context ${name} is not in the kubeconfig`);
    const own = new KubeConfig();
    own.loadFromOptions({
      clusters: kc.getClusters(),
      users: kc.getUsers(),
      contexts: kc.getContexts(),
      currentContext: name,
    });
    return {
      context: {
        name,
        cluster: context.cluster,
        server: kc.getCluster(context.cluster)?.server,
        namespace: context.namespace,
      },
      api: kubeApi(own, timeoutMs),
    };
  });
}

/** Picks the cluster a call names (the default one when it names none), inside the allow-list. */
export function clusterChooser(targets: ClusterTarget[], policy: KubePolicy) {
  const clusters = new Map<string, Cluster>(
    targets.map((t) => [
      t.context.name,
      { api: t.api, types: typeCatalog(t.api, (type) => servedType(policy, type)) },
    ]),
  );
  const fallback = targets[0]?.context.name ?? '';
  return (context: string | undefined): Cluster => {
    const cluster = clusters.get(context ?? fallback);
    if (!cluster)
      throw new Refused(
        `context ${JSON.stringify(context)} is not in the allow-list (${[...clusters.keys()].join(', ')})`,
      );
    return cluster;
  };
}
