import { dumpYaml } from '@kubernetes/client-node';
import { defineTool, type ToolAnnotations } from '@mcp-fleet/sdk';
import { type KubeApi, Refused } from './api.js';
import type { Cluster } from './contexts.js';
import { isDenied, type ResourceType } from './kinds.js';
import { allowedNamespace, type KubePolicy, objectName, objectPath } from './policy.js';

/** Whether destructive writes ask the user first (MCP elicitation); refused when the client cannot ask. */
export type Confirm = 'destructive' | 'never';

export interface KubernetesProvider {
  policy: KubePolicy;
  /** The cluster of a call's `context` (the default one when absent), inside the allow-list. */
  cluster(context: string | undefined): Cluster;
  /** Write tools are registered only when true. */
  write: boolean;
  confirm: Confirm;
}

export const READ: ToolAnnotations = {
  readOnlyHint: true,
  idempotentHint: true,
  destructiveHint: false,
  openWorldHint: false,
};
export const NAME = { type: 'string', minLength: 1, maxLength: 253 };
export const NAMESPACE = {
  type: 'string',
  minLength: 1,
  maxLength: 63,
  description: 'an allowed namespace (left out for cluster-scoped kinds)',
};
export const CONTEXT = {
  type: 'string',
  minLength: 1,
  maxLength: 253,
  description: 'a context from contexts_list; the default one when absent',
};
/** The fields that name one object. */
export const OBJECT_REF = {
  context: CONTEXT,
  kind: NAME,
  apiVersion: NAME,
  namespace: NAMESPACE,
  name: NAME,
};
export const OBJECT_REQUIRED = ['kind', 'name'];
export type ObjectRef = {
  context?: string;
  kind: string;
  apiVersion?: string;
  namespace?: string;
  name: string;
};
const SELECTOR = { type: 'string', maxLength: 1024 };
const OUTPUT = { type: 'string', enum: ['json', 'yaml'], default: 'json' };

export type KubeObject = {
  metadata?: { managedFields?: unknown; [k: string]: unknown };
  [k: string]: unknown;
};

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MASK = '<masked>';

const maskValues = (values: unknown) =>
  values && typeof values === 'object'
    ? Object.fromEntries(Object.keys(values).map((key) => [key, MASK]))
    : values;

/** The fields of a Secret shown to callers, values masked; any other field is left out. */
const SECRET_FIELDS = ['apiVersion', 'kind', 'metadata', 'type', 'immutable', 'data', 'stringData'];

/**
 * An object as callers see it: without managedFields (API-server bookkeeping, noise to a model),
 * and for a Secret (list items carry no kind, so the caller says) only the fields known to be
 * safe, with every value masked: data, stringData and the last-applied annotation that repeats
 * them. Keys stay visible.
 */
export function shown(object: KubeObject, secret: boolean): KubeObject {
  const { managedFields: _, ...metadata } = object.metadata ?? {};
  if (!secret && !(object.kind === 'Secret' && object.apiVersion === 'v1')) return { ...object, metadata };
  const annotations = metadata.annotations as Record<string, string> | undefined;
  const masked: KubeObject = {
    ...object,
    metadata: {
      ...metadata,
      ...(annotations?.[LAST_APPLIED] ? { annotations: { ...annotations, [LAST_APPLIED]: MASK } } : {}),
    },
    ...('data' in object ? { data: maskValues(object.data) } : {}),
    ...('stringData' in object ? { stringData: maskValues(object.stringData) } : {}),
  };
  return Object.fromEntries(Object.entries(masked).filter(([key]) => SECRET_FIELDS.includes(key)));
}

export const isSecret = (type: ResourceType) => type.group === '' && type.resource === 'secrets';

export function render(value: unknown, output: 'json' | 'yaml' = 'json') {
  return {
    content: [
      { type: 'text' as const, text: output === 'yaml' ? dumpYaml(value) : JSON.stringify(value, null, 2) },
    ],
    structuredContent: value as Record<string, unknown>,
  };
}

interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: unknown;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
}

/** Events of a namespace matching a field selector, oldest first, in a compact shape. */
async function eventsWhere(api: KubeApi, namespace: string, fieldSelector: string, limit: number) {
  const list = (await api.get(`/api/v1/namespaces/${namespace}/events`, { fieldSelector, limit })) as {
    items: KubeEvent[];
  };
  return list.items
    .map((e) => ({
      type: e.type,
      reason: e.reason,
      message: e.message,
      object: e.involvedObject,
      count: e.count,
      at: e.lastTimestamp ?? e.eventTime,
    }))
    .sort((x, y) => String(x.at).localeCompare(String(y.at)));
}

type OwnerReference = { apiVersion: string; kind: string; name: string; controller?: boolean };

export function readTools(p: KubernetesProvider) {
  return [
    defineTool<{ context?: string }>({
      name: 'namespaces_list',
      title: 'Namespaces',
      description: 'The namespaces this provider may read, and whether each exists.',
      inputSchema: { type: 'object', properties: { context: CONTEXT }, additionalProperties: false },
      annotations: READ,
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
    }),

    defineTool<{ context?: string }>({
      name: 'api_resources',
      title: 'API resources',
      description:
        'Resource types the API server serves (CRDs included) that this provider may read; cluster-scoped ones only when enabled.',
      inputSchema: { type: 'object', properties: { context: CONTEXT }, additionalProperties: false },
      annotations: READ,
      async handler(a) {
        const resources = (await p.cluster(a.context).types.refresh())
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
        return render({ resources });
      },
    }),

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
      annotations: READ,
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
    }),

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
      annotations: READ,
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
    }),

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
      annotations: READ,
      async handler(a) {
        const { api, types } = p.cluster(a.context);
        const type = await types.typeFor(a.kind, a.apiVersion);
        const object = shown(
          (await api.get(objectPath(p.policy, type, a, 'read'))) as KubeObject,
          isSecret(type),
        );
        const namespace = type.namespaced ? a.namespace : undefined;
        const owners: { kind: string; name: string; apiVersion: string; note?: string }[] = [];
        let current: KubeObject = object;
        // Owners live in the same namespace; a short walk, and a denied kind is named but not read.
        for (let depth = 0; depth < 5; depth++) {
          const refs = (current.metadata?.ownerReferences ?? []) as OwnerReference[];
          const ref = refs.find((r) => r.controller) ?? refs[0];
          if (!ref) break;
          const owner = { kind: ref.kind, name: ref.name, apiVersion: ref.apiVersion };
          try {
            const ownerType = await types.typeFor(ref.kind, ref.apiVersion);
            current = (await api.get(
              objectPath(p.policy, ownerType, { namespace, name: ref.name }, 'read'),
            )) as KubeObject;
            owners.push(owner);
          } catch (err) {
            owners.push({ ...owner, note: err instanceof Refused ? err.message : 'not readable' });
            break;
          }
        }
        const uid = String(object.metadata?.uid ?? '');
        // Events about a cluster-scoped object are recorded in `default`; read only if allowed.
        const eventsIn = namespace ?? (p.policy.namespaces.includes('default') ? 'default' : undefined);
        const events =
          uid && eventsIn ? await eventsWhere(api, eventsIn, `involvedObject.uid=${uid}`, 100) : [];
        return render({ object, owners, events }, a.output);
      },
    }),
  ];
}
