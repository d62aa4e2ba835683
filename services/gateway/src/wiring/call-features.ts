import type { Logger } from 'pino';
import { ApprovalGate } from '../approvals/approval-gate.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ProviderRegistry } from '../catalog/registry.js';
import { CatalogSearch } from '../catalog-search/catalog-search.js';
import { type GatewayConfig, splitList } from '../config.js';
import type { Admission } from '../dispatch/admission.js';
import type { ServerRequests } from '../engine/server-requests.js';
import { InputRequired } from '../input-required/input-required.js';
import { RequestStateCodec } from '../input-required/request-state.js';
import { requestStateKey } from '../input-required/state-key.js';
import type { PolicyHolder } from '../policy/engine.js';
import { taskAdmission } from '../tasks/task-admission.js';
import { NO_TASKS } from '../tasks/task-mode.js';
import { taskStoreOf } from '../tasks/task-stores.js';
import { Tasks } from '../tasks/tasks.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { WorkflowCatalog } from '../workflows/workflow-tools.js';
import type { SharedState } from './shared-state.js';

export interface CallFeatureDeps {
  config: GatewayConfig;
  logger: Logger;
  state: SharedState;
  registry: ProviderRegistry;
  policy: PolicyHolder;
  admission: Admission;
  audit: AuditLog;
  metrics: GatewayMetrics;
  serverRequests: ServerRequests;
  workflows: WorkflowCatalog;
}

/**
 * What a tool call may go through besides its provider: a task (tasks extension), input_required
 * rounds, an approval, search mode. Started together and closed together, in the order the drain
 * needs (parked calls first, so their tasks settle before the task store stops).
 */
export async function startCallFeatures(deps: CallFeatureDeps) {
  const { config, logger, state, registry, policy, admission, audit, metrics, serverRequests } = deps;
  const workflowCatalog = deps.workflows;
  const tasks = new Tasks({
    store: taskStoreOf(state, config.tasksPrefix),
    prefix: config.tasksPrefix,
    maxRecordsPerCaller: config.maxTaskRecordsPerSubject,
    maxResultBytes: config.maxTaskResultBytes,
    bus: state.bus,
    ttlMs: config.taskTtl,
    pollIntervalMs: config.taskPollInterval,
    leaseMs: config.taskLease,
    modeOf: (tool) => registry.catalog.tools.get(tool)?.task ?? NO_TASKS,
    metrics: metrics.registry,
    maxRunningPerCaller: config.maxTasksPerSubject,
    audit,
    innerCall: (ctx, method, params) => catalogSearch.innerCall(ctx, method, params),
    admit: taskAdmission({ admission, registry, workflows: workflowCatalog }),
  });
  const stopTasks = await tasks.start();
  const inputRequired = new InputRequired({
    tasks,
    bus: state.bus,
    codec: new RequestStateCodec(await requestStateKey(config, logger)),
    ttlMs: config.inputRequiredTtl,
    maxParkedPerCaller: config.maxParkedPerSubject,
  });
  const stopInputRequired = await inputRequired.start();
  const approvals = new ApprovalGate({
    policy,
    bus: state.bus,
    redis: state.redis,
    audit,
    metrics,
    serverRequests,
    defaultTimeoutMs: config.approvalTimeout,
    pollMs: config.approvalPoll,
    prefix: config.approvalsPrefix,
  });
  const stopApprovals = await approvals.start();
  const catalogSearch = new CatalogSearch(
    { registry, workflows: workflowCatalog, admission },
    {
      roles: splitList(config.searchModeRoles),
      clients: splitList(config.searchModeClients),
      maxQueryChars: config.searchMaxQuery,
      maxResults: config.searchMaxResults,
    },
  );
  const stopCatalogSearch = catalogSearch.start();

  return {
    tasks,
    inputRequired,
    approvals,
    catalogSearch,
    async close(): Promise<void> {
      inputRequired.close();
      stopInputRequired();
      stopApprovals();
      await tasks.close();
      stopTasks();
      stopCatalogSearch();
    },
  };
}

export type CallFeatures = Awaited<ReturnType<typeof startCallFeatures>>;
