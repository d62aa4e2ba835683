import { dumpYaml } from '@kubernetes/client-node';
import { defineTool, type ToolAnnotations } from '@mcp-fleet/sdk';
import { type KubeApi, Refused } from './api.js';
import { isDenied, type ResourceType, type TypeCatalog } from './kinds.js';
import { allowedNamespace, type KubePolicy, objectName, resourcePath } from './policy.js';

export interface KubernetesProvider {
  api: KubeApi;
  policy: KubePolicy;
  types: TypeCatalog;
  /** Write tools (apply, scale, delete) are registered only when true. */
  write: boolean;
}

export const READ: ToolAnnotations = {
  readOnlyHint: true,
  idempotentHint: true,
  destructiveHint: false,
  openWorldHint: false,
};
export const NAME = { type: 'string', minLength: 1, maxLength: 253 };
export const NAMESPACE = { type: 'string', minLength: 1, maxLength: 63, description: 'an allowed namespace' };
/** The fields that name one namespaced object. */
export const OBJECT_REF = { kind: NAME, apiVersion: NAME, namespace: NAMESPACE, name: NAME };
export const OBJECT_REQUIRED = ['kind', 'namespace', 'name'];
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

/**
 * An object as callers see it: without managedFields (API-server bookkeeping, noise to a model),
 * and for a Secret (list items carry no kind, so the caller says) with every value masked: data,
 * stringData and the last-applied annotation that repeats them. Keys stay visible.
 */
export function shown(object: KubeObject, secret: boolean): KubeObject {
  const { managedFields: _, ...metadata } = object.metadata ?? {};
  if (!secret && !(object.kind === 'Secret' && object.apiVersion === 'v1')) return { ...object, metadata };
  const annotations = metadata.annotations as Record<string, string> | undefined;
  return {
    ...object,
    metadata: {
      ...metadata,
      ...(annotations?.[LAST_APPLIED] ? { annotations: { ...annotations, [LAST_APPLIED]: MASK } } : {}),
    },
    ...('data' in object ? { data: maskValues(object.data) } : {}),
    ...('stringData' in object ? { stringData: maskValues(object.stringData) } : {}),
  };
}

const isSecret = (type: ResourceType) => type.group === '' && type.resource === 'secrets';

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
  const typeFor = p.types.typeFor;

  return [
    defineTool<Record<string, never>>({
      name: 'namespaces_list',
      title: 'Namespaces',
      description: 'The namespaces this provider may read, and whether each exists.',
      inputSchema: { type: 'object', properties: {}, additionalProperties: false },
      annotations: READ,
      async handler() {
        const namespaces = await Promise.all(
          p.policy.namespaces.map(async (name) => ({
            name,
            exists: await p.api.get(`/api/v1/namespaces/${name}`).then(
              () => true,
              () => false,
            ),
          })),
        );
        return render({ namespaces });
      },
    }),

    defineTool<Record<string, never>>({
      name: 'api_resources',
      title: 'API resources',
      description:
        'Namespaced resource types the API server serves (CRDs included) that this provider may read.',
      inputSchema: { type: 'object', properties: {}, additionalProperties: false },
      annotations: READ,
      async handler() {
        const resources = (await p.types.refresh())
          .filter((t) => t.namespaced && !isDenied(t, p.policy.deniedKinds))
          .map((t) => ({
            kind: t.kind,
            apiVersion: t.group ? `${t.group}/${t.version}` : t.version,
            resource: t.resource,
            shortNames: t.shortNames,
            verbs: t.verbs,
          }));
        return render({ resources });
      },
    }),

    defineTool<{
      kind: string;
      apiVersion?: string;
      namespace: string;
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
          kind: NAME,
          apiVersion: NAME,
          namespace: NAMESPACE,
          name: NAME,
          labelSelector: SELECTOR,
          fieldSelector: SELECTOR,
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          output: OUTPUT,
        },
        required: ['kind', 'namespace'],
        additionalProperties: false,
      },
      annotations: READ,
      async handler(a) {
        const namespace = allowedNamespace(p.policy, a.namespace);
        const type = await typeFor(a.kind, a.apiVersion);
        if (a.name !== undefined) {
          const object = (await p.api.get(resourcePath(type, namespace, objectName(a.name)))) as KubeObject;
          return render(shown(object, isSecret(type)), a.output);
        }
        const list = (await p.api.get(resourcePath(type, namespace), {
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

    defineTool<{ namespace: string; kind?: string; name?: string; limit?: number }>({
      name: 'events',
      title: 'Events',
      description: 'Events of an allowed namespace, optionally only those about one object; newest last.',
      inputSchema: {
        type: 'object',
        properties: {
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
        const namespace = allowedNamespace(p.policy, a.namespace);
        const about = [
          a.name !== undefined ? `involvedObject.name=${objectName(a.name)}` : undefined,
          a.kind !== undefined ? `involvedObject.kind=${(await typeFor(a.kind)).kind}` : undefined,
        ].filter(Boolean);
        const events = await eventsWhere(p.api, namespace, about.join(','), a.limit ?? 100);
        return render({ events });
      },
    }),
    defineTool<{
      kind: string;
      apiVersion?: string;
      namespace: string;
      name: string;
      output?: 'json' | 'yaml';
    }>({
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
        const namespace = allowedNamespace(p.policy, a.namespace);
        const type = await typeFor(a.kind, a.apiVersion);
        const object = shown(
          (await p.api.get(resourcePath(type, namespace, objectName(a.name)))) as KubeObject,
          isSecret(type),
        );
        const owners: { kind: string; name: string; apiVersion: string; note?: string }[] = [];
        let current: KubeObject = object;
        // Owners live in the same namespace; a short walk, and a denied kind is named but not read.
        for (let depth = 0; depth < 5; depth++) {
          const refs = (current.metadata?.ownerReferences ?? []) as OwnerReference[];
          const ref = refs.find((r) => r.controller) ?? refs[0];
          if (!ref) break;
          const owner = { kind: ref.kind, name: ref.name, apiVersion: ref.apiVersion };
          try {
            const ownerType = await typeFor(ref.kind, ref.apiVersion);
            current = (await p.api.get(
              resourcePath(ownerType, namespace, objectName(ref.name)),
            )) as KubeObject;
            owners.push(owner);
          } catch (err) {
            owners.push({ ...owner, note: err instanceof Refused ? err.message : 'not readable' });
            break;
          }
        }
        const uid = String(object.metadata?.uid ?? '');
        const events = uid ? await eventsWhere(p.api, namespace, `involvedObject.uid=${uid}`, 100) : [];
        return render({ object, owners, events }, a.output);
      },
    }),
  ];
}
