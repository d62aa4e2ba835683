import { defineTool, type ToolAnnotations } from '@mcp-fleet/sdk';
import { parseAllDocuments } from 'yaml';
import { Refused } from './api.js';
import { allowedNamespace, objectName, resourcePath } from './policy.js';
import {
  type KubeObject,
  type KubernetesProvider,
  NAME,
  NAMESPACE,
  OBJECT_REF,
  OBJECT_REQUIRED,
  render,
} from './tools.js';

const WRITE: ToolAnnotations = {
  readOnlyHint: false,
  idempotentHint: true,
  destructiveHint: false,
  openWorldHint: false,
};
const FIELD_MANAGER = 'mcp-fleet';
const MAX_MANIFEST = 1024 * 1024;
const MAX_OBJECTS = 100;
const DRY_RUN = { type: 'boolean', default: false, description: 'validate on the server, change nothing' };

/**
 * Objects of a multi-document manifest, `List`s flattened. Aliases are capped so a
 * billion-laughs document fails to parse instead of expanding.
 */
export function manifestObjects(manifest: string): KubeObject[] {
  if (Buffer.byteLength(manifest) > MAX_MANIFEST)
    throw new Refused(`the manifest exceeds ${MAX_MANIFEST} bytes`);
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    if (doc.errors.length > 0) throw new Refused(`invalid YAML: ${doc.errors[0]?.message}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch (err) {
      throw new Refused(`invalid YAML: ${(err as Error).message}`);
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new Refused('every document must be an object');
    const object = value as KubeObject & { kind?: unknown; items?: unknown };
    if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items))
      objects.push(...(object.items as KubeObject[]));
    else objects.push(object);
  }
  if (objects.length === 0) throw new Refused('the manifest holds no objects');
  if (objects.length > MAX_OBJECTS) throw new Refused(`the manifest holds more than ${MAX_OBJECTS} objects`);
  return objects;
}

export function writeTools(p: KubernetesProvider) {
  /** Every object checked (kind, namespace, name) before the first request: refused as a whole. */
  const plan = async (objects: KubeObject[], namespace: string) =>
    Promise.all(
      objects.map(async (object, index) => {
        const { apiVersion, kind, metadata } = object as {
          apiVersion?: unknown;
          kind?: unknown;
          metadata?: { name?: unknown; namespace?: unknown };
        };
        if (typeof apiVersion !== 'string' || typeof kind !== 'string')
          throw new Refused(`object ${index + 1} lacks apiVersion or kind`);
        const type = await p.types.typeFor(kind, apiVersion);
        if (metadata?.namespace !== undefined && metadata.namespace !== namespace)
          throw new Refused(
            `object ${index + 1} (${kind}) names namespace ${String(metadata.namespace)}, not ${namespace}`,
          );
        const name = objectName(String(metadata?.name ?? ''));
        const body = { ...object, metadata: { ...metadata, name, namespace } };
        return { path: resourcePath(type, namespace, name), kind: type.kind, name, body };
      }),
    );

  return [
    defineTool<{ manifest: string; namespace: string; dryRun?: boolean; force?: boolean }>({
      name: 'apply',
      title: 'Apply',
      description:
        'Server-side apply of a YAML manifest (several documents or a List allowed) into one allowed namespace. The whole manifest is validated by a server dry-run before anything changes.',
      inputSchema: {
        type: 'object',
        properties: {
          manifest: { type: 'string', minLength: 1, maxLength: MAX_MANIFEST },
          namespace: NAMESPACE,
          dryRun: DRY_RUN,
          force: { type: 'boolean', default: false, description: 'take over fields another manager owns' },
        },
        required: ['manifest', 'namespace'],
        additionalProperties: false,
      },
      annotations: WRITE,
      async handler(a) {
        const namespace = allowedNamespace(p.policy, a.namespace);
        const steps = await plan(manifestObjects(a.manifest), namespace);
        const apply = (dryRun: boolean) =>
          Promise.all(
            steps.map(async (step) => {
              const result = (await p.api.send(
                'PATCH',
                step.path,
                step.body,
                {
                  fieldManager: FIELD_MANAGER,
                  force: a.force ? 'true' : undefined,
                  dryRun: dryRun ? 'All' : undefined,
                },
                'application/apply-patch+yaml',
              )) as KubeObject;
              return { kind: step.kind, name: step.name, resourceVersion: result.metadata?.resourceVersion };
            }),
          );
        // A server dry-run of every object first, so a rejected object leaves nothing half-applied.
        const checked = await apply(true);
        return render({ dryRun: !!a.dryRun, applied: a.dryRun ? checked : await apply(false) });
      },
    }),

    defineTool<{ kind: string; namespace: string; name: string; replicas: number; dryRun?: boolean }>({
      name: 'scale',
      title: 'Scale',
      description:
        'Sets the replicas of a Deployment, StatefulSet or ReplicaSet through its scale subresource.',
      inputSchema: {
        type: 'object',
        properties: {
          kind: NAME,
          namespace: NAMESPACE,
          name: NAME,
          replicas: { type: 'integer', minimum: 0, maximum: 1000 },
          dryRun: DRY_RUN,
        },
        required: ['kind', 'namespace', 'name', 'replicas'],
        additionalProperties: false,
      },
      annotations: WRITE,
      async handler(a) {
        const namespace = allowedNamespace(p.policy, a.namespace);
        const type = await p.types.typeFor(a.kind);
        const scale = (await p.api.send(
          'PATCH',
          `${resourcePath(type, namespace, objectName(a.name))}/scale`,
          { spec: { replicas: a.replicas } },
          { dryRun: a.dryRun ? 'All' : undefined },
          'application/merge-patch+json',
        )) as { spec?: { replicas?: number } };
        return render({ kind: type.kind, name: a.name, replicas: scale.spec?.replicas, dryRun: !!a.dryRun });
      },
    }),

    defineTool<{ kind: string; apiVersion?: string; namespace: string; name: string; dryRun?: boolean }>({
      name: 'delete',
      title: 'Delete',
      description:
        'Deletes one object from an allowed namespace (dependents in the background); dryRun checks only.',
      inputSchema: {
        type: 'object',
        properties: { ...OBJECT_REF, dryRun: DRY_RUN },
        required: OBJECT_REQUIRED,
        additionalProperties: false,
      },
      annotations: { ...WRITE, idempotentHint: false, destructiveHint: true },
      async handler(a) {
        const namespace = allowedNamespace(p.policy, a.namespace);
        const type = await p.types.typeFor(a.kind, a.apiVersion);
        await p.api.send(
          'DELETE',
          resourcePath(type, namespace, objectName(a.name)),
          { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
          { dryRun: a.dryRun ? 'All' : undefined },
        );
        return render({ kind: type.kind, name: a.name, deleted: !a.dryRun, dryRun: !!a.dryRun });
      },
    }),
  ];
}
