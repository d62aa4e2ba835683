import type { Redis } from 'ioredis';
import { changed, isTerminal, type TaskChange, type TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';

/**
 * Takes a place among a principal's task records (a sorted set of task ids scored by when their
 * records expire, by the Redis clock so replicas' clocks do not matter), unless the ones not yet
 * expired fill ARGV[2]: 1 if taken, 0 if not. ARGV[1] is the record's ttl in ms, ARGV[3] its id.
 */
const TAKE_PLACE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
redis.call('PEXPIREAT', KEYS[1], redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
return 1`;

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
  private readonly taskKey: (taskId: string) => string;
  private readonly leaseKey: (replica: string) => string;
  private readonly ownerKey: (principal: string) => string;

  /** `prefix` names every key (MCPFLEET_TASKS_PREFIX): replicas sharing tasks share it. */
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.taskKey = (taskId) => `${prefix}task:${taskId}`;
    this.leaseKey = (replica) => `${prefix}task-lease:${replica}`;
    this.ownerKey = (principal) => `${prefix}task-owner:${principal}`;
  }

  async create(record: TaskRecord, maxPerPrincipal: number): Promise<boolean> {
    const { taskId, principal, ttlMs } = record;
    const placed = await this.redis.eval(
      TAKE_PLACE,
      1,
      this.ownerKey(principal),
      ttlMs,
      maxPerPrincipal,
      taskId,
    );
    if (placed !== 1) return false;
    await this.redis.set(this.taskKey(taskId), JSON.stringify(record), 'PX', ttlMs);
    return true;
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const text = await this.redis.get(this.taskKey(taskId));
    return text === null ? undefined : (JSON.parse(text) as TaskRecord);
  }

  async change(taskId: string, change: TaskChange): Promise<TaskRecord | undefined> {
    let text = await this.redis.get(this.taskKey(taskId));
    for (let attempt = 0; attempt < MAX_ATTEMPTS && text !== null; attempt++) {
      const record = JSON.parse(text) as TaskRecord;
      if (isTerminal(record.status)) return record;
      const next = JSON.stringify(changed(record, change));
      const now = (await this.redis.eval(CAS, 1, this.taskKey(taskId), text, next)) as string | null;
      if (now === next) return JSON.parse(next) as TaskRecord;
      text = now;
    }
    return text === null ? undefined : (JSON.parse(text) as TaskRecord);
  }

  async heartbeat(replica: string, leaseMs: number): Promise<void> {
    await this.redis.set(this.leaseKey(replica), '1', 'PX', leaseMs);
  }

  async alive(replica: string): Promise<boolean> {
    return (await this.redis.exists(this.leaseKey(replica))) === 1;
  }

  close(): void {}
}
