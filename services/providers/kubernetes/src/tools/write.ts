import { DESTRUCTIVE, defineTool, IDEMPOTENT_WRITE, WRITE } from '@mcp-fleet/sdk';
import { Refused } from '../api.js';
import type { Cluster } from '../clusters.js';
import { confirmed } from '../confirm.js';
import type { KubernetesProvider } from '../context.js';
import { writePath } from '../fleet-objects.js';
import { checkWrite, commitWrites } from '../guarded-write.js';
import { MAX_MANIFEST } from '../manifest.js';
import { parseManifest } from '../manifest-parser.js';
import type { KubePolicy } from '../policy.js';
import {
  CONTEXT,
  DRY_RUN,
  NAMESPACE,
  OBJECT_REF,
  OBJECT_REQUIRED,
  type ObjectRef,
  WORKLOAD_REF,
} from '../schemas.js';
import { isSecret, type KubeObject, render, shown } from '../shown.js';
import { scaleAsk } from '../spec-changes.js';
import { secretPatchOps } from '../write-judge.js';

/** What apply and patch refuse or ask, told to the model up front. */
const judged = (workloadSecrets: boolean) =>
  `Only workloads, Services, ConfigMaps, PVCs, Ingresses, HPAs and PDBs (plus kinds the operator lists) are writable; RBAC, ServiceAccounts, Secrets and the rest are refused. Pod specs may not use ${workloadSecrets ? '' : 'Secrets, other ServiceAccounts, '}host access or privileges (the error names the field); ownerReferences and finalizers are not changed. Replacing pods, and any change of an existing object not known to be safe (more replicas, resuming, pausing, ConfigMap data, labels and annotations are), ask the user first, naming the changed fields.`;

/** The content type of each patch flavour the API server accepts. */
const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
} as const;

/** Every object checked (kind, scope, name) before the first request: refused as a whole. */
const plan = async (
  policy: KubePolicy,
  cluster: Cluster,
  objects: KubeObject[],
  namespace: string | undefined,
) =>
  Promise.all(
    objects.map(async (object, index) => {
      const { apiVersion, kind, metadata } = object as {
        apiVersion?: unknown;
        kind?: unknown;
        metadata?: { name?: unknown; namespace?: unknown };
      };
      if (typeof apiVersion !== 'string' || typeof kind !== 'string')
        throw new Refused(`object ${index + 1} lacks apiVersion or kind`);
      const type = await cluster.types.typeFor(kind, apiVersion);
      if (type.namespaced && metadata?.namespace !== undefined && metadata.namespace !== namespace)
        throw new Refused(
          `object ${index + 1} (${kind}) names namespace ${String(metadata.namespace)}, not ${namespace}`,
        );
      const name = String(metadata?.name ?? '');
      const path = await writePath(policy, cluster.api, type, { namespace, name });
      const { namespace: _, ...rest } = metadata ?? {};
      const body = { ...object, metadata: { ...rest, name, ...(type.namespaced ? { namespace } : {}) } };
      return {
        path,
        kind: type.kind,
        group: type.group,
        name,
        namespace: type.namespaced ? namespace : undefined,
        body,
        secret: isSecret(type),
      };
    }),
  );

const apply = (p: KubernetesProvider) =>
  defineTool<{ context?: string; manifest: string; namespace?: string; dryRun?: boolean; force?: boolean }>({
    name: 'apply',
    title: 'Apply',
    description: `Server-side apply of a YAML manifest (several documents or a List allowed) into one allowed namespace (cluster-scoped objects only when enabled). The whole manifest is validated by a server dry-run before anything changes. ${judged(p.policy.workloadSecrets)}`,
    inputSchema: {
      type: 'object',
      properties: {
        context: CONTEXT,
        manifest: { type: 'string', minLength: 1, maxLength: MAX_MANIFEST },
        namespace: NAMESPACE,
        dryRun: DRY_RUN,
        force: { type: 'boolean', default: false, description: 'take over fields another manager owns' },
      },
      required: ['manifest'],
      additionalProperties: false,
    },
    annotations: IDEMPOTENT_WRITE,
    async handler(a, ctx) {
      const { api, types } = p.cluster(a.context);
      const steps = await plan(
        p.policy,
        { api, types },
        await parseManifest(a.manifest, ctx.signal),
        a.namespace,
      );
      // Every object dry-run and judged first, so a refused one leaves nothing half-applied.
      const checked = await Promise.all(
        steps.map((step) =>
          checkWrite(api, p.policy.workloadSecrets, {
            ...step,
            contentType: 'application/apply-patch+yaml',
            force: a.force,
            input: step.body,
          }),
        ),
      );
      const results = await commitWrites(p, ctx, api, checked, { dryRun: !!a.dryRun });
      return render({
        dryRun: !!a.dryRun,
        applied: steps.map((step, index) => ({
          kind: step.kind,
          name: step.name,
          resourceVersion: results[index]?.metadata?.resourceVersion,
        })),
      });
    },
  });

const patch = (p: KubernetesProvider) =>
  defineTool<ObjectRef & { patch: unknown; type?: keyof typeof PATCH_TYPES; dryRun?: boolean }>({
    name: 'patch',
    title: 'Patch',
    description: `Patches one object: a JSON merge patch (default), a strategic merge patch (built-in kinds) or a JSON patch (a list of operations). Returns the object as patched. ${judged(p.policy.workloadSecrets)}`,
    inputSchema: {
      type: 'object',
      properties: {
        ...OBJECT_REF,
        patch: { type: ['object', 'array'], description: 'the patch document' },
        type: { type: 'string', enum: Object.keys(PATCH_TYPES), default: 'merge' },
        dryRun: DRY_RUN,
      },
      required: [...OBJECT_REQUIRED, 'patch'],
      additionalProperties: false,
    },
    annotations: WRITE,
    async handler(a, ctx) {
      const patchType = a.type ?? 'merge';
      if ((patchType === 'json') !== Array.isArray(a.patch))
        throw new Refused(
          patchType === 'json' ? 'a JSON patch is a list of operations' : `a ${patchType} patch is an object`,
        );
      if (Buffer.byteLength(JSON.stringify(a.patch)) > MAX_MANIFEST)
        throw new Refused(`the patch exceeds ${MAX_MANIFEST} bytes`);
      const { api, types } = p.cluster(a.context);
      const type = await types.typeFor(a.kind, a.apiVersion);
      if (isSecret(type) && Array.isArray(a.patch)) secretPatchOps(a.patch);
      const checked = await checkWrite(api, p.policy.workloadSecrets, {
        kind: type.kind,
        group: type.group,
        name: a.name,
        namespace: type.namespaced ? a.namespace : undefined,
        path: await writePath(p.policy, api, type, a),
        body: a.patch,
        contentType: PATCH_TYPES[patchType],
        secret: isSecret(type),
      });
      const [object = {}] = await commitWrites(p, ctx, api, [checked], { dryRun: !!a.dryRun });
      return render({ dryRun: !!a.dryRun, object: shown(object, isSecret(type)) });
    },
  });

const scale = (p: KubernetesProvider) =>
  defineTool<{
    context?: string;
    kind?: string;
    namespace: string;
    name: string;
    replicas: number;
    dryRun?: boolean;
  }>({
    name: 'scale',
    title: 'Scale',
    description:
      'Sets the replicas of a Deployment or StatefulSet (or any kind with a scale subresource) through the scale subresource. Fewer replicas stop pods: the user is asked first when the provider is configured to.',
    inputSchema: {
      type: 'object',
      properties: {
        ...WORKLOAD_REF,
        replicas: { type: 'integer', minimum: 0, maximum: 1000 },
        dryRun: DRY_RUN,
      },
      required: ['namespace', 'name', 'replicas'],
      additionalProperties: false,
    },
    annotations: IDEMPOTENT_WRITE,
    async handler(a, ctx) {
      const cluster = p.cluster(a.context);
      const type = await cluster.types.typeFor(a.kind ?? 'Deployment');
      const path = await writePath(p.policy, cluster.api, type, a);
      const current = (await cluster.api.get(`${path}/scale`)) as {
        metadata?: { resourceVersion?: string };
        spec?: { replicas?: number };
      };
      // Fewer replicas stop pods (and a StatefulSet may delete their volumes): asked like delete.
      const ask = scaleAsk(
        `${type.kind} ${a.name} in ${a.namespace}`,
        current.spec?.replicas ?? 0,
        a.replicas,
      );
      if (ask && !a.dryRun) await confirmed(p.confirm, ctx, ask);
      // Bound to the version that was judged: a concurrent scale fails with 409 instead.
      const scale = (await cluster.api.send(
        'PATCH',
        `${path}/scale`,
        {
          metadata: { resourceVersion: current.metadata?.resourceVersion },
          spec: { replicas: a.replicas },
        },
        { dryRun: a.dryRun ? 'All' : undefined },
        'application/merge-patch+json',
      )) as { spec?: { replicas?: number } };
      return render({ kind: type.kind, name: a.name, replicas: scale.spec?.replicas, dryRun: !!a.dryRun });
    },
  });

const remove = (p: KubernetesProvider) =>
  defineTool<ObjectRef & { dryRun?: boolean }>({
    name: 'delete',
    title: 'Delete',
    description:
      'Deletes one object (dependents in the background), after the user confirms when the provider asks; dryRun checks only.',
    inputSchema: {
      type: 'object',
      properties: { ...OBJECT_REF, dryRun: DRY_RUN },
      required: OBJECT_REQUIRED,
      additionalProperties: false,
    },
    annotations: DESTRUCTIVE,
    async handler(a, ctx) {
      const { api, types } = p.cluster(a.context);
      const type = await types.typeFor(a.kind, a.apiVersion);
      const path = await writePath(p.policy, api, type, a);
      if (!a.dryRun)
        await confirmed(
          p.confirm,
          ctx,
          `delete ${type.kind} ${a.name}${a.namespace && type.namespaced ? ` in ${a.namespace}` : ''}`,
        );
      await api.send(
        'DELETE',
        path,
        { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
        { dryRun: a.dryRun ? 'All' : undefined },
      );
      return render({ kind: type.kind, name: a.name, deleted: !a.dryRun, dryRun: !!a.dryRun });
    },
  });

/** The write tools on objects: server-side apply, patch, scale and delete. */
export const writeTools = (p: KubernetesProvider) => [apply, patch, scale, remove].map((make) => make(p));
