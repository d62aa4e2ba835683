import { randomUUID } from 'node:crypto';
import { FleetError } from '@mcp-fleet/contract';
import { Counter, type Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import type { RequestContext } from '../engine/request-context.js';
import { missingCapabilityError, retryFields } from '../input-required/input-requests.js';
import type { ParkedCall } from '../input-required/parked-call.js';
import { invalidParams, methodNotFound, unavailable } from '../protocol/errors.js';
import { isObject, type JsonObject } from '../protocol/messages.js';
import { CappedCounts } from '../ratelimit/capped-counts.js';
import type { Bus } from '../session/types.js';
import type { TaskAdmission } from './task-admission.js';
import type { TaskMode } from './task-mode.js';
import {
  createTaskResult,
  detailedTask,
  isTerminal,
  TASKS_EXTENSION,
  type TaskRecord,
} from './task-record.js';
import { ReplicaSilent, type TaskOrder, TaskRelay } from './task-relay.js';
import { TaskRun } from './task-run.js';
import type { TaskStore } from './task-store.js';

/** The methods of the tasks extension; tasks/result and tasks/list were removed (-32601). */
const METHODS: ReadonlySet<string> = new Set(['tasks/get', 'tasks/update', 'tasks/cancel']);

/** Task ids are UUIDs; anything much longer is no id of ours and is not looked up. */
const MAX_TASK_ID_LENGTH = 64;

/** How a call of an opted-in client becomes a task: at once, or once its first input is answered. */
export type TaskPlan = 'now' | 'after-input';

export interface TasksOptions {
  store: TaskStore;
  bus: Bus;
  /** How long a task (and its record) lives. */
  ttlMs: number;
  /** How often clients are told to poll tasks/get. */
  pollIntervalMs: number;
  /** How long a replica's silence is tolerated before the tasks it runs are declared failed. */
  leaseMs: number;
  /** The task mode of a tool, by its exposed name. */
  modeOf(tool: string): TaskMode;
  metrics: Registry;
  /** How many tasks one caller may have running on this replica. */
  maxRunningPerCaller: number;
  /** How many task records (finished ones too, until they expire) one caller may have stored. */
  maxRecordsPerCaller: number;
  /** The largest result a task keeps, in bytes of its JSON; a larger one ends the task failed. */
  maxResultBytes: number;
  /** Where the channels of task orders are named (MCPFLEET_TASKS_PREFIX). */
  prefix: string;
  audit?: AuditLog;
  /** Admission of tasks/get|update|cancel as the task's caller (policy, rate limits). */
  admit?: TaskAdmission;
  /**
   * The tools/call a request makes through a gateway tool (search mode's fleet_call_tool), if it
   * does: the task mode is that inner tool's, and the task is of that tool.
   */
  innerCall?(ctx: RequestContext, method: string, params: JsonObject): JsonObject | undefined;
}

/** Who a task is for, as its audit lines name them, and the tool it runs. */
export interface TaskOwner {
  caller: Caller;
  sessionId: string;
  tool: string;
}

/** The client of this request declared the tasks extension in its capabilities. */
export function optedIn(ctx: RequestContext): boolean {
  const { extensions } = ctx.session.clientCapabilities;
  return isObject(extensions) && isObject(extensions[TASKS_EXTENSION]);
}

const notOptedIn = () => missingCapabilityError({ extensions: { [TASKS_EXTENSION]: {} } });

/** Unknown, expired and other callers' tasks are told apart by nobody. */
const unknownTask = () => invalidParams('Unknown task (it does not exist, expired, or is not yours)');

/**
 * The MCP tasks extension (SEP-2663): a tools/call of a client that opted in becomes a task whose
 * record every replica reads from the store, while its provider call runs on the replica that
 * created it; tasks/update and tasks/cancel reach that replica over the bus. A replica that stops
 * renewing its lease has its tasks declared failed by whichever replica reads them next.
 */
export class Tasks {
  private readonly runs = new Map<string, TaskRun>();
  private readonly relay: TaskRelay;
  private readonly counts: Counter<'event'>;
  private readonly running: CappedCounts;

  constructor(private readonly options: TasksOptions) {
    this.relay = new TaskRelay(options.bus, (order) => this.obey(order), options.prefix);
    this.running = new CappedCounts(options.maxRunningPerCaller);
    this.counts = new Counter({
      name: 'mcpfleet_tasks_total',
      help: 'Tasks created on this replica and how they ended (completed, failed, cancelled, expired, unrecorded: the store failed), and orphans found (lost)',
      labelNames: ['event'] as const,
      registers: [options.metrics],
    });
  }

  /** Starts serving orders from other replicas and renewing this replica's lease. */
  async start(): Promise<() => void> {
    const stopRelay = await this.relay.start();
    const { store, bus, leaseMs } = this.options;
    const renew = () => store.heartbeat(bus.replicaId, leaseMs).catch(() => {});
    await renew();
    const heartbeat = setInterval(renew, Math.max(1, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    return () => {
      clearInterval(heartbeat);
      stopRelay();
    };
  }

  /** Shutdown: the tasks this replica runs end failed, their calls cancelled. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.runs.values()].map((run) =>
        run.abandon('The gateway replica running this task shut down before it finished'),
      ),
    );
    this.options.store.close();
  }

  /**
   * How a new request's call runs: as a task (now, or after its first input), or as always
   * (undefined). A tool that only runs as a task refuses a client that did not opt in (-32021).
   */
  plan(ctx: RequestContext, method: string, params: JsonObject): TaskPlan | undefined {
    if (method !== 'tools/call') return undefined;
    const mode = this.options.modeOf(this.toolOf(ctx, method, params));
    if (mode.support === 'forbidden') return undefined;
    if (!optedIn(ctx)) {
      if (mode.support === 'required') throw notOptedIn();
      return undefined;
    }
    return mode.afterInput ? 'after-input' : 'now';
  }

  /** The tool a tools/call runs: the one it names, or the one a gateway tool calls for it. */
  toolOf(ctx: RequestContext, method: string, params: JsonObject): string {
    return String((this.options.innerCall?.(ctx, method, params) ?? params).name);
  }

  /**
   * Makes `call` a task of its owner, recorded before it is announced; `begin` starts the call
   * once it is (without it, the call already runs). Refused (RateLimited, the call cancelled)
   * beyond the caller's share of running tasks.
   */
  async adopt(call: ParkedCall, owner: TaskOwner, begin?: () => void): Promise<JsonObject> {
    const place = this.running.take(owner.caller.principal);
    if (!place) {
      call.cancel('its caller runs too many tasks');
      throw new FleetError(
        'RateLimited',
        `Too many running tasks for this caller (limit ${this.running.cap}): wait for one to end, or cancel one`,
        { data: { limit: this.running.cap } },
      );
    }
    const record = this.newRecord(owner);
    const { store, maxRecordsPerCaller, maxResultBytes } = this.options;
    try {
      if (!(await store.create(record, maxRecordsPerCaller)))
        throw new FleetError(
          'RateLimited',
          `Too many task records for this caller (limit ${maxRecordsPerCaller}, finished tasks included until they expire): wait for some to expire`,
          { data: { limit: maxRecordsPerCaller } },
        );
    } catch (err) {
      place();
      call.cancel('its task could not be recorded');
      throw err;
    }
    begin?.();
    const run = new TaskRun(record, call, store, maxResultBytes, (status) => {
      place();
      this.runs.delete(record.taskId);
      this.counts.inc({ event: status });
    });
    this.runs.set(record.taskId, run);
    this.counts.inc({ event: 'created' });
    this.audit('task_created', owner, record.taskId);
    void run.drive();
    return createTaskResult(record);
  }

  private newRecord(owner: TaskOwner): TaskRecord {
    const now = new Date().toISOString();
    const { ttlMs, pollIntervalMs, bus } = this.options;
    return {
      taskId: randomUUID(),
      principal: owner.caller.principal,
      replica: bus.replicaId,
      tool: owner.tool,
      status: 'working',
      createdAt: now,
      lastUpdatedAt: now,
      ttlMs,
      pollIntervalMs,
    };
  }

  private audit(event: 'task_created' | 'task_cancelled', owner: TaskOwner, taskId: string): void {
    this.options.audit?.record({
      event,
      caller: owner.caller,
      sessionId: owner.sessionId,
      method: 'tools/call',
      target: owner.tool,
      outcome: 'ok',
      taskId,
    });
  }

  serves(method: string): boolean {
    return method.startsWith('tasks/');
  }

  /** Answers tasks/get, tasks/update and tasks/cancel; any other tasks/ method is unknown. */
  async serve(ctx: RequestContext, method: string, params: JsonObject): Promise<JsonObject> {
    if (!METHODS.has(method)) throw methodNotFound(method);
    if (!optedIn(ctx)) throw notOptedIn();
    const { taskId } = params;
    if (typeof taskId !== 'string' || taskId.length > MAX_TASK_ID_LENGTH) throw unknownTask();
    const { admit } = this.options;
    await admit?.request(ctx, method);
    const record = await this.find(taskId, ctx.caller.principal);
    if (method === 'tasks/get') return detailedTask(record);
    if (method === 'tasks/update') {
      admit?.answers(ctx, method, record.tool);
      const { responses = {} } = retryFields(params);
      if (!isTerminal(record.status)) await this.order(record, { kind: 'update', taskId, responses });
    } else if (!isTerminal(record.status)) {
      await this.order(record, { kind: 'cancel', taskId });
      this.audit(
        'task_cancelled',
        { caller: ctx.caller, sessionId: ctx.session.id, tool: record.tool },
        taskId,
      );
    }
    return {};
  }

  /** The caller's task as it stands, an orphan (its replica is gone) declared failed first. */
  private async find(taskId: string, principal: string): Promise<TaskRecord> {
    const { store, bus } = this.options;
    const record = await store.get(taskId);
    if (!record || record.principal !== principal) throw unknownTask();
    if (isTerminal(record.status)) return record;
    // Running here without a run: its end could not be recorded (the store failed meanwhile).
    const running =
      record.replica === bus.replicaId ? this.runs.has(taskId) : await store.alive(record.replica);
    return running ? record : ((await this.lost(record)) ?? record);
  }

  private async lost(record: TaskRecord): Promise<TaskRecord | undefined> {
    this.counts.inc({ event: 'lost' });
    return this.options.store.change(record.taskId, {
      status: 'failed',
      statusMessage: `The gateway replica running this task (${record.replica}) stopped; its outcome is unknown`,
      error: new FleetError(
        'InternalError',
        `The gateway replica running this task stopped before it finished (replica ${record.replica})`,
      ).toWire(),
    });
  }

  /** Carries out `order` where the task's call runs: here, or on its replica over the bus. */
  private async order(record: TaskRecord, order: TaskOrder): Promise<void> {
    if (record.replica === this.options.bus.replicaId) return this.obey(order);
    try {
      await this.relay.send(record.replica, order);
    } catch (err) {
      if (!(err instanceof ReplicaSilent)) throw err;
      if (await this.options.store.alive(record.replica))
        throw unavailable(`The gateway replica running this task did not answer (${err.message}): try again`);
      await this.lost(record);
    }
  }

  private async obey(order: TaskOrder): Promise<void> {
    const run = this.runs.get(order.taskId);
    // A task that just ended here has nothing left to update or cancel.
    if (!run) return;
    if (order.kind === 'cancel') return run.cancel();
    return run.update(order.responses ?? {});
  }
}
