import type { Redis } from 'ioredis';
import {
  type ApprovalDecision,
  type ApprovalRequest,
  type ApprovalState,
  type ApprovalStatus,
  type ApprovalStore,
  KEEP_DECIDED_MS,
  type Move,
} from './approval-store.js';

/**
 * Only the party that finds the approval in `from` moves it: two approvers deciding at once, or a
 * decision racing the timeout, leave exactly one outcome.
 */
const TRANSITION = `
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'decision', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
return 1`;

function stateOf(hash: Record<string, string>): ApprovalState | undefined {
  if (!hash.request || !hash.status) return undefined;
  return {
    request: JSON.parse(hash.request) as ApprovalRequest,
    status: hash.status as ApprovalStatus,
    ...(hash.decision ? { decision: JSON.parse(hash.decision) as ApprovalDecision } : {}),
  };
}

/**
 * Approvals in Redis, readable by every replica: one hash per approval (expiring a while after
 * the approval does) and a sorted set of the pending ones by expiry, under `prefix`.
 */
export class RedisApprovalStore implements ApprovalStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}approval:${id}`;
  }

  private get index(): string {
    return `${this.prefix}pending`;
  }

  async create(request: ApprovalRequest): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(request.id), 'request', JSON.stringify(request), 'status', 'pending')
      .pexpireat(this.key(request.id), request.expiresAt + KEEP_DECIDED_MS)
      .zadd(this.index, request.expiresAt, request.id)
      .exec();
  }

  async get(id: string): Promise<ApprovalState | undefined> {
    return stateOf(await this.redis.hgetall(this.key(id)));
  }

  async pending(offset: number, count: number): Promise<{ states: ApprovalState[]; full: boolean }> {
    const now = Date.now();
    await this.redis.zremrangebyscore(this.index, '-inf', now);
    const ids = await this.redis.zrangebyscore(this.index, now, '+inf', 'LIMIT', offset, count);
    const full = ids.length === count;
    if (ids.length === 0) return { states: [], full };
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const hashes = (await pipeline.exec()) ?? [];
    const states = hashes
      .map(([, hash]) => stateOf((hash ?? {}) as Record<string, string>))
      .filter((s): s is ApprovalState => s?.status === 'pending');
    return { states, full };
  }

  async transition(id: string, { from, to, decision }: Move): Promise<boolean> {
    const moved = await this.redis.eval(
      TRANSITION,
      2,
      this.key(id),
      this.index,
      from,
      to,
      decision ? JSON.stringify(decision) : '',
      id,
    );
    return moved === 1;
  }
}
