import type { Redis } from 'ioredis';
import { changed, isTerminal, type TaskChange, type TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';

const taskKey = (taskId: string) => `mcpfleet:task:${taskId}`;
const leaseKey = (replica: string) => `mcpfleet:task-lease:${replica}`;

/**
 * Compare-and-set, keeping the key's TTL: writes ARGV[2] only if the key still holds ARGV[1] (the
 * record the change was computed from); answers what the key holds afterwards.
 */
const CAS = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return current end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return ARGV[2]`;

/** How often a change retries when another replica changed the task in between. */
const MAX_ATTEMPTS = 5;

/** Tasks in Redis, one JSON value per task expiring with its ttlMs; replica leases beside them. */
export class RedisTaskStore implements TaskStore {
  constructor(private readonly redis: Redis) {}

  async create(record: TaskRecord): Promise<void> {
    await this.redis.set(taskKey(record.taskId), JSON.stringify(record), 'PX', record.ttlMs);
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const text = await this.redis.get(taskKey(taskId));
    return text === null ? undefined : (JSON.parse(text) as TaskRecord);
  }

  async change(taskId: string, change: TaskChange): Promise<TaskRecord | undefined> {
    let text = await this.redis.get(taskKey(taskId));
    for (let attempt = 0; attempt < MAX_ATTEMPTS && text !== null; attempt++) {
      const record = JSON.parse(text) as TaskRecord;
      if (isTerminal(record.status)) return record;
      const next = JSON.stringify(changed(record, change));
      const now = (await this.redis.eval(CAS, 1, taskKey(taskId), text, next)) as string | null;
      if (now === next) return JSON.parse(next) as TaskRecord;
      text = now;
    }
    return text === null ? undefined : (JSON.parse(text) as TaskRecord);
  }

  async heartbeat(replica: string, leaseMs: number): Promise<void> {
    await this.redis.set(leaseKey(replica), '1', 'PX', leaseMs);
  }

  async alive(replica: string): Promise<boolean> {
    return (await this.redis.exists(leaseKey(replica))) === 1;
  }

  close(): void {}
}
