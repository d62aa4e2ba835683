import { changed, isTerminal, type TaskChange, type TaskRecord } from './task-record.js';

/**
 * Where tasks live, readable from every replica: Redis with replicas, memory in one process.
 * A record expires with its ttlMs; a terminal record never changes again.
 */
export interface TaskStore {
  create(record: TaskRecord): Promise<void>;
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

  async create(record: TaskRecord): Promise<void> {
    const timer = setTimeout(() => this.tasks.delete(record.taskId), record.ttlMs);
    timer.unref();
    this.tasks.set(record.taskId, { record, timer });
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
  }
}
