import { dumpYaml } from '@kubernetes/client-node';
import { defineTool, type ToolAnnotations } from '@mcp-fleet/sdk';
import type { KubeApi } from './api.js';
import { discover, isDenied, type ResourceType, resolveType } from './kinds.js';
import { allowedNamespace, type KubePolicy, objectName, resourcePath, servedType } from './policy.js';

export interface KubernetesProvider {
  api: KubeApi;
  policy: KubePolicy;
}

const READ: ToolAnnotations = {
  readOnlyHint: true,
  idempotentHint: true,
  destructiveHint: false,
  openWorldHint: false,
};
const NAME = { type: 'string', minLength: 1, maxLength: 253 };
const NAMESPACE = { type: 'string', minLength: 1, maxLength: 63, description: 'an allowed namespace' };
const SELECTOR = { type: 'string', maxLength: 1024 };
const OUTPUT = { type: 'string', enum: ['json', 'yaml'], default: 'json' };

type KubeObject = { metadata?: { managedFields?: unknown; [k: string]: unknown }; [k: string]: unknown };

/** managedFields is bookkeeping of the API server: large, and noise to a model. */
function trimmed(object: KubeObject): KubeObject {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _, ...metadata } = object.metadata;
  return { ...object, metadata };
}

function render(value: unknown, output: 'json' | 'yaml' = 'json') {
  return {
    content: [
      { type: 'text' as const, text: output === 'yaml' ? dumpYaml(value) : JSON.stringify(value, null, 2) },
    ],
    structuredContent: value as Record<string, unknown>,
  };
}

export function readTools(p: KubernetesProvider) {
  // Discovery is cached per process and refreshed when a kind is not found (a CRD may be new).
  let types: Promise<ResourceType[]> | undefined;
  const typeFor = async (kind: string, apiVersion?: string) => {
    types ??= discover(p.api).catch((err) => {
      types = undefined;
      throw err;
    });
    try {
      return servedType(p.policy, resolveType(await types, kind, apiVersion));
    } catch (err) {
      if (!/^unknown kind/.test((err as Error).message)) throw err;
      types = discover(p.api);
      return servedType(p.policy, resolveType(await types, kind, apiVersion));
    }
  };

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
        types = discover(p.api);
        const resources = (await types)
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
          return render(trimmed(object), a.output);
        }
        const list = (await p.api.get(resourcePath(type, namespace), {
          labelSelector: a.labelSelector,
          fieldSelector: a.fieldSelector,
          limit: a.limit ?? 100,
        })) as { items: KubeObject[]; metadata?: { continue?: string } };
        return render(
          { kind: type.kind, items: list.items.map(trimmed), truncated: !!list.metadata?.continue },
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
        const list = (await p.api.get(`/api/v1/namespaces/${namespace}/events`, {
          fieldSelector: about.join(','),
          limit: a.limit ?? 100,
        })) as {
          items: {
            type?: string;
            reason?: string;
            message?: string;
            involvedObject?: unknown;
            lastTimestamp?: string;
            eventTime?: string;
            count?: number;
          }[];
        };
        const events = list.items
          .map((e) => ({
            type: e.type,
            reason: e.reason,
            message: e.message,
            object: e.involvedObject,
            count: e.count,
            at: e.lastTimestamp ?? e.eventTime,
          }))
          .sort((x, y) => String(x.at).localeCompare(String(y.at)));
        return render({ events });
      },
    }),
  ];
}
