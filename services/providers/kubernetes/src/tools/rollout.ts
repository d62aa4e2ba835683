import { DESTRUCTIVE, defineTool } from '@mcp-fleet/sdk';
import { Refused } from '../api.js';
import type { Cluster } from '../clusters.js';
import type { KubernetesProvider } from '../context.js';
import { writePath } from '../fleet-objects.js';
import { checkWrite, commitWrites } from '../guarded-write.js';
import type { ResourceType } from '../kinds.js';
import { objectPath } from '../policy.js';
import { DRY_RUN, WORKLOAD_REF } from '../schemas.js';
import { type KubeObject, render } from '../shown.js';
import { workloadType } from './workloads.js';

type Action = 'restart' | 'undo' | 'pause' | 'resume';

interface Workload extends KubeObject {
  metadata?: { uid?: string; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: { paused?: boolean; selector?: { matchLabels?: Record<string, string> } };
}

/** A revision of a workload's pod template, from its ReplicaSets or ControllerRevisions. */
interface Revision {
  revision: number;
  /** The patch that brings the workload back to this revision, and its content type. */
  patch: unknown;
  contentType: string;
  /** The pod spec it restores, when the history holds it whole. */
  podSpec?: unknown;
}

const REVISION = 'deployment.kubernetes.io/revision';

const ownedBy = (uid: string | undefined) => (item: KubeObject) =>
  ((item.metadata?.ownerReferences ?? []) as { uid?: string }[]).some((o) => o.uid === uid);

/** The selector of a workload as a label-selector query (matchLabels only, as kubectl does for history). */
const selectorOf = (w: Workload) =>
  Object.entries(w.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/**
 * Every earlier revision of a workload. A Deployment keeps one in each ReplicaSet it owns (the
 * template, less the pod-template-hash label the controller adds); StatefulSets and DaemonSets
 * keep ControllerRevisions whose data is the patch itself.
 */
async function revisionsOf(
  p: KubernetesProvider,
  cluster: Cluster,
  type: ResourceType,
  namespace: string,
  workload: Workload,
): Promise<Revision[]> {
  const deployment = type.resource === 'deployments';
  const historyType = await cluster.types.typeFor(
    deployment ? 'replicasets.apps' : 'controllerrevisions.apps',
  );
  const list = (await cluster.api.get(objectPath(p.policy, historyType, { namespace }, 'read'), {
    labelSelector: selectorOf(workload),
  })) as { items: (KubeObject & { revision?: number; data?: unknown; spec?: { template?: KubeObject } })[] };
  return list.items.filter(ownedBy(workload.metadata?.uid)).map((item) => {
    if (!deployment)
      return {
        revision: item.revision ?? 0,
        patch: item.data,
        contentType: 'application/strategic-merge-patch+json',
        podSpec: (item.data as { spec?: { template?: { spec?: unknown } } } | undefined)?.spec?.template
          ?.spec,
      };
    const template = structuredClone(item.spec?.template ?? {});
    const labels = template.metadata?.labels as Record<string, string> | undefined;
    if (labels) delete labels['pod-template-hash'];
    return {
      revision: Number((item.metadata?.annotations as Record<string, string> | undefined)?.[REVISION] ?? 0),
      patch: [{ op: 'replace', path: '/spec/template', value: template }],
      contentType: 'application/json-patch+json',
      podSpec: template.spec,
    };
  });
}

/** The revision to go back to: the one asked for, or the newest before the current one. */
function undoTarget(revisions: Revision[], toRevision: number | undefined): Revision {
  const sorted = [...revisions].sort((x, y) => y.revision - x.revision);
  const target = toRevision === undefined ? sorted[1] : sorted.find((r) => r.revision === toRevision);
  if (!target)
    throw new Refused(
      toRevision === undefined
        ? 'no earlier revision to roll back to'
        : `no revision ${toRevision} (known: ${sorted.map((r) => r.revision).join(', ') || 'none'})`,
    );
  return target;
}

export function rolloutTools(p: KubernetesProvider) {
  return [
    defineTool<{
      context?: string;
      kind?: string;
      namespace: string;
      name: string;
      action: Action;
      toRevision?: number;
      dryRun?: boolean;
    }>({
      name: 'rollout',
      title: 'Rollout',
      description:
        'restart (new pods with the same spec), undo (back to the previous revision or toRevision), pause or resume (Deployments only) a workload. restart and undo ask the user first when the provider is configured to.',
      inputSchema: {
        type: 'object',
        properties: {
          ...WORKLOAD_REF,
          action: { type: 'string', enum: ['restart', 'undo', 'pause', 'resume'] },
          toRevision: { type: 'integer', minimum: 1 },
          dryRun: DRY_RUN,
        },
        required: ['namespace', 'name', 'action'],
        additionalProperties: false,
      },
      annotations: DESTRUCTIVE,
      async handler(a, ctx) {
        const cluster = p.cluster(a.context);
        const type = await workloadType(cluster, a.kind);
        const path = await writePath(p.policy, cluster.api, type, a);
        const workload = (await cluster.api.get(path)) as Workload;
        const paused = workload.spec?.paused === true;
        if ((a.action === 'pause' || a.action === 'resume') && type.resource !== 'deployments')
          throw new Refused(`only Deployments can be paused and resumed, not a ${type.kind}`);
        if ((a.action === 'restart' || a.action === 'undo') && paused)
          throw new Refused(`${type.kind} ${a.name} is paused: resume it before ${a.action}`);
        if (a.toRevision !== undefined && a.action !== 'undo')
          throw new Refused('toRevision applies to undo only');
        let change: Omit<Revision, 'revision'> & { revision?: number };
        if (a.action === 'pause' || a.action === 'resume') {
          if (paused === (a.action === 'pause'))
            return render({ kind: type.kind, name: a.name, action: a.action, changed: false, paused });
          change = {
            patch: { spec: { paused: a.action === 'pause' } },
            contentType: 'application/merge-patch+json',
          };
        } else if (a.action === 'restart') {
          const restartedAt = new Date().toISOString();
          change = {
            patch: {
              spec: {
                template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } },
              },
            },
            contentType: 'application/strategic-merge-patch+json',
          };
        } else {
          change = undoTarget(await revisionsOf(p, cluster, type, a.namespace, workload), a.toRevision);
        }
        // Judged like any write: a revision from the history may carry what a caller wrote there.
        const checked = await checkWrite(cluster.api, p.policy.workloadSecrets, {
          kind: type.kind,
          group: type.group,
          name: a.name,
          namespace: a.namespace,
          path,
          body: change.patch,
          contentType: change.contentType,
          secret: false,
          restored: change.podSpec === undefined ? [] : [change.podSpec],
        });
        const replaces =
          a.action === 'undo'
            ? `roll back ${type.kind} ${a.name} to revision ${change.revision}`
            : `restart every pod of ${type.kind} ${a.name}`;
        await commitWrites(p, ctx, cluster.api, [checked], {
          dryRun: !!a.dryRun,
          ask: a.action === 'restart' || a.action === 'undo' ? `${replaces} in ${a.namespace}` : undefined,
        });
        return render({
          kind: type.kind,
          name: a.name,
          action: a.action,
          changed: true,
          dryRun: !!a.dryRun,
          ...(change.revision === undefined ? {} : { toRevision: change.revision }),
        });
      },
    }),
  ];
}
