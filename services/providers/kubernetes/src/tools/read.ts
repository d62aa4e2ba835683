import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import type { KubernetesProvider } from '../context.js';
import { eventsWhere } from '../events.js';
import { isDenied } from '../kinds.js';
import { ownerChain } from '../owners.js';
import { allowedNamespace, objectName, objectPath } from '../policy.js';
import {
  CONTEXT,
  NAME,
  NAMESPACE,
  OBJECT_REF,
  OBJECT_REQUIRED,
  type ObjectRef,
  OUTPUT,
  SELECTOR,
} from '../schemas.js';
import { isSecret, type KubeObject, render, shown } from '../shown.js';

const namespacesList = (p: KubernetesProvider) =>
  defineTool<{ context?: string }>({
    name: 'namespaces_list',
    title: 'Namespaces',
    description: 'The namespaces this provider may read, and whether each exists.',
    inputSchema: { type: 'object', properties: { context: CONTEXT }, additionalProperties: false },
    annotations: READ_ONLY,
    async handler(a) {
      const { api } = p.cluster(a.context);
      const namespaces = await Promise.all(
        p.policy.namespaces.map(async (name) => ({
          name,
          exists: await api.get(`/api/v1/namespaces/${name}`).then(
            () => true,
            () => false,
          ),
        })),
      );
      return render({ namespaces });
    },
  });

const apiResources = (p: KubernetesProvider) =>
  defineTool<{ context?: string }>({
    name: 'api_resources',
    title: 'API resources',
    description:
      'Resource types the API server serves (CRDs included) that this provider may read; cluster-scoped ones only when enabled.',
    inputSchema: { type: 'object', properties: { context: CONTEXT }, additionalProperties: false },
    annotations: READ_ONLY,
    async handler(a) {
      const { types, unavailable } = await p.cluster(a.context).types.refresh();
      const resources = types
        .filter(
          (t) => (t.namespaced || p.policy.clusterScoped !== 'none') && !isDenied(t, p.policy.deniedKinds),
        )
        .map((t) => ({
          kind: t.kind,
          apiVersion: t.group ? `${t.group}/${t.version}` : t.version,
          resource: t.resource,
          namespaced: t.namespaced,
          shortNames: t.shortNames,
          verbs: t.verbs,
        }));
      return render(unavailable.length > 0 ? { resources, unavailable } : { resources });
    },
  });

const get = (p: KubernetesProvider) =>
  defineTool<{
    context?: string;
    kind: string;
    apiVersion?: string;
    namespace?: string;
    name?: string;
    labelSelector?: string;
    fieldSelector?: string;
    limit?: number;
    output?: 'json' | 'yaml';
  }>({
    name: 'get',
    title: 'Get',
    description:
      'One object by name, or a list filtered by label/field selectors, from an allowed namespace. Kind as Deployment, deployments, deploy or deployments.apps.',
    inputSchema: {
      type: 'object',
      properties: {
        ...OBJECT_REF,
        labelSelector: SELECTOR,
        fieldSelector: SELECTOR,
        limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
        output: OUTPUT,
      },
      required: ['kind'],
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    async handler(a) {
      const { api, types } = p.cluster(a.context);
      const type = await types.typeFor(a.kind, a.apiVersion);
      const path = objectPath(p.policy, type, a, 'read');
      if (a.name !== undefined)
        return render(shown((await api.get(path)) as KubeObject, isSecret(type)), a.output);
      const list = (await api.get(path, {
        labelSelector: a.labelSelector,
        fieldSelector: a.fieldSelector,
        limit: a.limit ?? 100,
      })) as { items: KubeObject[]; metadata?: { continue?: string } };
      return render(
        {
          kind: type.kind,
          items: list.items.map((item) => shown(item, isSecret(type))),
          truncated: !!list.metadata?.continue,
        },
        a.output,
      );
    },
  });

const events = (p: KubernetesProvider) =>
  defineTool<{ context?: string; namespace: string; kind?: string; name?: string; limit?: number }>({
    name: 'events',
    title: 'Events',
    description: 'Events of an allowed namespace, optionally only those about one object; newest last.',
    inputSchema: {
      type: 'object',
      properties: {
        context: CONTEXT,
        namespace: NAMESPACE,
        kind: NAME,
        name: NAME,
        limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
      },
      required: ['namespace'],
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    async handler(a) {
      const { api, types } = p.cluster(a.context);
      const namespace = allowedNamespace(p.policy, a.namespace);
      const about = [
        a.name !== undefined ? `involvedObject.name=${objectName(a.name)}` : undefined,
        a.kind !== undefined ? `involvedObject.kind=${(await types.typeFor(a.kind)).kind}` : undefined,
      ].filter(Boolean);
      const events = await eventsWhere(api, namespace, about.join(','), a.limit ?? 100);
      return render({ events });
    },
  });

const describe = (p: KubernetesProvider) =>
  defineTool<ObjectRef & { output?: 'json' | 'yaml' }>({
    name: 'describe',
    title: 'Describe',
    description:
      'One object with the events about it and its chain of controlling owners (e.g. Pod → ReplicaSet → Deployment).',
    inputSchema: {
      type: 'object',
      properties: { ...OBJECT_REF, output: OUTPUT },
      required: OBJECT_REQUIRED,
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    async handler(a) {
      const cluster = p.cluster(a.context);
      const type = await cluster.types.typeFor(a.kind, a.apiVersion);
      const object = shown(
        (await cluster.api.get(objectPath(p.policy, type, a, 'read'))) as KubeObject,
        isSecret(type),
      );
      const namespace = type.namespaced ? a.namespace : undefined;
      const owners = await ownerChain(cluster, p.policy, object, namespace);
      const uid = String(object.metadata?.uid ?? '');
      // Events about a cluster-scoped object are recorded in `default`; read only if allowed.
      const eventsIn = namespace ?? (p.policy.namespaces.includes('default') ? 'default' : undefined);
      const events =
        uid && eventsIn ? await eventsWhere(cluster.api, eventsIn, `involvedObject.uid=${uid}`, 100) : [];
      return render({ object, owners, events }, a.output);
    },
  });

/** The read tools on objects: namespaces, resource types, objects, events and descriptions. */
export const readTools = (p: KubernetesProvider) =>
  [namespacesList, apiResources, get, events, describe].map((make) => make(p));
