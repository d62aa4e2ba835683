import { changed, isTerminal, type TaskChange, type TaskRecord } from './task-record.js';

/**
 * Where tasks live, readable from every replica: Redis with replicas, memory in one process.
 * A record expires with its ttlMs; a terminal record never changes again.
 */
export interface TaskStore {
  /**
   * Records a new task unless its principal already has `maxPerPrincipal` records (finished ones
   * count until they expire); whether it was recorded.
   */
  create(record: TaskRecord, maxPerPrincipal: number): Promise<boolean>;
  get(taskId: string): Promise<TaskRecord | undefined>;
  /** Applies `change` unless the task is gone or terminal; the record as it now stands. */
  change(taskId: string, change: TaskChange): Promise<TaskRecord | undefined>;
  /** Says this replica is alive for `leaseMs` more: the tasks it runs are not orphans. */
  heartbeat(replica: string, leaseMs: number): Promise<void>;
  /** Whether `replica` said it was alive within its lease. */
  alive(replica: string): Promise<boolean>;
  close(): void;
}

interface Held {
  record: TaskRecord;
  timer: NodeJS.Timeout;
}

/** Tasks of one process: the replica running them is this one, always alive while it answers. */
export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, Held>();
  /** How many records each principal holds. */
  private readonly held = new Map<string, number>();

  async create(record: TaskRecord, maxPerPrincipal: number): Promise<boolean> {
    const { principal } = record;
    const count = this.held.get(principal) ?? 0;
    if (count >= maxPerPrincipal) return false;
    this.held.set(principal, count + 1);
    const timer = setTimeout(() => {
      this.tasks.delete(record.taskId);
      const left = (this.held.get(principal) ?? 1) - 1;
      if (left === 0) this.held.delete(principal);
      else this.held.set(principal, left);
    }, record.ttlMs);
    timer.unref();
    this.tasks.set(record.taskId, { record, timer });
    return true;
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    return this.tasks.get(taskId)?.record;
  }

  async change(taskId: string, change: TaskChange): Promise<TaskRecord | undefined> {
    const held = this.tasks.get(taskId);
    if (!held) return undefined;
    if (!isTerminal(held.record.status)) held.record = changed(held.record, change);
    return held.record;
  }

  async heartbeat(): Promise<void> {}

  async alive(): Promise<boolean> {
    return true;
  }

  close(): void {
    for (const { timer } of this.tasks.values()) clearTimeout(timer);
    this.tasks.clear();
    this.held.clear();
  }
}
