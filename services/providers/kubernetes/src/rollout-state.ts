/** Where a workload's rollout stands, by the rules `kubectl rollout status` applies per kind. */
export interface RolloutState {
  done: boolean;
  failed: boolean;
  message: string;
}

interface Workload {
  metadata?: { generation?: number };
  spec?: {
    replicas?: number;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: { type: string; reason?: string; message?: string }[];
  };
}

const waiting = (message: string): RolloutState => ({ done: false, failed: false, message });
const complete = (message: string): RolloutState => ({ done: true, failed: false, message });
const unobserved = (w: Workload) => (w.metadata?.generation ?? 0) > (w.status?.observedGeneration ?? 0);
const OBSERVING = 'waiting for the controller to observe the new spec';

export function deploymentRollout(d: Workload): RolloutState {
  const wanted = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const stalled = s.conditions?.find(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  );
  if (stalled)
    return { done: false, failed: true, message: `rollout failed: ${stalled.message ?? stalled.reason}` };
  if (unobserved(d)) return waiting(OBSERVING);
  const updated = s.updatedReplicas ?? 0;
  if (updated < wanted) return waiting(`${updated} of ${wanted} replicas updated`);
  const old = (s.replicas ?? 0) - updated;
  if (old > 0) return waiting(`${old} old replicas pending termination`);
  const available = s.availableReplicas ?? 0;
  if (available < updated) return waiting(`${available} of ${updated} updated replicas available`);
  return complete('rollout complete');
}

/** Status is only meaningful for the RollingUpdate strategy (OnDelete waits on people). */
function rollingUpdateOnly(w: Workload, kind: string): RolloutState | undefined {
  const strategy = w.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy === 'RollingUpdate') return undefined;
  return {
    done: false,
    failed: true,
    message: `rollout status is only available for the RollingUpdate strategy; this ${kind} uses ${strategy}`,
  };
}

export function statefulSetRollout(sts: Workload): RolloutState {
  const other = rollingUpdateOnly(sts, 'StatefulSet');
  if (other) return other;
  const s = sts.status ?? {};
  if (!s.observedGeneration || unobserved(sts)) return waiting(OBSERVING);
  const wanted = sts.spec?.replicas ?? 1;
  if ((s.readyReplicas ?? 0) < wanted) return waiting(`${s.readyReplicas ?? 0} of ${wanted} pods ready`);
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const target = wanted - partition;
    if ((s.updatedReplicas ?? 0) < target)
      return waiting(`partitioned rollout: ${s.updatedReplicas ?? 0} of ${target} new pods updated`);
    return complete(`partitioned rollout complete: ${target} new pods updated`);
  }
  if (s.updateRevision !== s.currentRevision)
    return waiting(`${s.updatedReplicas ?? 0} of ${wanted} pods at revision ${s.updateRevision}`);
  return complete(`rollout complete: ${wanted} pods at revision ${s.currentRevision}`);
}

export function daemonSetRollout(ds: Workload): RolloutState {
  const other = rollingUpdateOnly(ds, 'DaemonSet');
  if (other) return other;
  const s = ds.status ?? {};
  if (unobserved(ds)) return waiting(OBSERVING);
  const desired = s.desiredNumberScheduled ?? 0;
  if ((s.updatedNumberScheduled ?? 0) < desired)
    return waiting(`${s.updatedNumberScheduled ?? 0} of ${desired} new pods updated`);
  if ((s.numberAvailable ?? 0) < desired)
    return waiting(`${s.numberAvailable ?? 0} of ${desired} updated pods available`);
  return complete('rollout complete');
}

/** The kinds with a rollout, by resource name, and how to read their status. */
export const ROLLOUT_KINDS: Record<string, (w: Workload) => RolloutState> = {
  deployments: deploymentRollout,
  statefulsets: statefulSetRollout,
  daemonsets: daemonSetRollout,
};
