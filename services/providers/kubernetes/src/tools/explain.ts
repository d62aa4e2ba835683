import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import { type KubeApi, Refused } from '../api.js';
import type { KubernetesProvider } from '../context.js';
import { CONTEXT, NAME } from '../schemas.js';
import { render } from '../shown.js';

interface Schema {
  description?: string;
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  $ref?: string;
  required?: string[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

/** A schema with its `$ref` (direct or as the single `allOf` member) followed; the outer description wins. */
function resolved(schemas: Record<string, Schema>, schema: Schema): Schema {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0]?.$ref : undefined);
  if (!ref) return schema;
  const target = schemas[ref.split('/').pop() ?? ''] ?? {};
  return { ...target, ...(schema.description ? { description: schema.description } : {}) };
}

function typeName(schemas: Record<string, Schema>, schema: Schema): string {
  const s = resolved(schemas, schema);
  if (s.type === 'array' && s.items) return `[]${typeName(schemas, s.items)}`;
  return s.type ?? 'object';
}

export function explainTools(p: KubernetesProvider) {
  // A group's schema document is large and its URL carries a content hash: fetched once per hash,
  // one entry per group version of each cluster (however the call named its context).
  type Documents = Map<string, { url: string; schemas: Promise<Record<string, Schema>> }>;
  const byCluster = new WeakMap<KubeApi, Documents>();
  const schemasAt = (api: KubeApi, groupVersion: string, serverRelativeURL: string) => {
    const documents: Documents = byCluster.get(api) ?? new Map();
    byCluster.set(api, documents);
    const cached = documents.get(groupVersion);
    if (cached?.url === serverRelativeURL) return cached.schemas;
    const url = new URL(serverRelativeURL, 'https://api.invalid');
    const schemas = api.get(url.pathname, Object.fromEntries(url.searchParams)).then(
      (document) =>
        (document as { components?: { schemas?: Record<string, Schema> } }).components?.schemas ?? {},
      (err) => {
        documents.delete(groupVersion);
        throw err;
      },
    );
    documents.set(groupVersion, { url: serverRelativeURL, schemas });
    return schemas;
  };

  return [
    defineTool<{ context?: string; kind: string; apiVersion?: string; field?: string }>({
      name: 'explain',
      title: 'Explain',
      description:
        "The API server's own schema of a kind or of one of its fields (e.g. field spec.template.spec.containers): description, type and sub-fields.",
      inputSchema: {
        type: 'object',
        properties: {
          context: CONTEXT,
          kind: NAME,
          apiVersion: NAME,
          field: { type: 'string', maxLength: 512, pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$' },
        },
        required: ['kind'],
        additionalProperties: false,
      },
      annotations: READ_ONLY,
      async handler(a) {
        const { api, types } = p.cluster(a.context);
        const type = await types.typeFor(a.kind, a.apiVersion);
        const groupVersion = type.group ? `apis/${type.group}/${type.version}` : `api/${type.version}`;
        const index = (await api.get('/openapi/v3')) as {
          paths: Record<string, { serverRelativeURL: string }>;
        };
        const entry = index.paths[groupVersion];
        if (!entry) throw new Refused(`the API server publishes no OpenAPI v3 schema for ${groupVersion}`);
        const schemas = await schemasAt(api, groupVersion, entry.serverRelativeURL);
        let schema = Object.values(schemas).find((s) =>
          s['x-kubernetes-group-version-kind']?.some(
            (g) => g.group === type.group && g.version === type.version && g.kind === type.kind,
          ),
        );
        if (!schema) throw new Refused(`no schema for ${type.kind} in ${groupVersion}`);
        let required = false;
        for (const segment of a.field ? a.field.split('.') : []) {
          let parent = resolved(schemas, schema);
          if (parent.type === 'array' && parent.items) parent = resolved(schemas, parent.items);
          const next = parent.properties?.[segment];
          if (!next) throw new Refused(`${type.kind} has no field ${a.field} (no ${segment})`);
          required = parent.required?.includes(segment) ?? false;
          schema = next;
        }
        const shown = resolved(schemas, schema);
        const fieldsOf = shown.type === 'array' && shown.items ? resolved(schemas, shown.items) : shown;
        return render({
          kind: type.kind,
          apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
          field: a.field ?? '',
          type: typeName(schemas, schema),
          required,
          description: shown.description ?? '',
          fields: Object.entries(fieldsOf.properties ?? {}).map(([name, sub]) => ({
            name,
            type: typeName(schemas, sub),
            required: fieldsOf.required?.includes(name) ?? false,
            description: resolved(schemas, sub).description ?? '',
          })),
        });
      },
    }),
  ];
}
