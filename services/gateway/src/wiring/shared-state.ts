import { ConfigError } from '@mcp-fleet/runtime';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { MemoryBus, MemoryEventLog, MemorySessionStore } from '../session/memory.js';
import { connectRedis, RedisBus, RedisEventLog, RedisSessionStore } from '../session/redis.js';
import type { Bus, EventLog, SessionStore } from '../session/types.js';

/** What replicas share: sessions, stream events and the bus between them. */
export interface SharedState {
  sessions: SessionStore;
  events: EventLog;
  bus: Bus;
  redis?: Redis;
  close(): Promise<void>;
}

function memoryState(ttlMs: number, logger: Logger): SharedState {
  return {
    sessions: new MemorySessionStore(ttlMs),
    events: new MemoryEventLog(),
    bus: new MemoryBus(logger),
    close: async () => {},
  };
}

/** Sessions, stream events and replica messages in Redis; refuses to start when Redis is unreachable. */
async function redisState(url: string, ttlMs: number, logger: Logger): Promise<SharedState> {
  const redis = connectRedis(url, logger, 'commands');
  const subscriber = connectRedis(url, logger, 'subscriber');
  try {
    await Promise.all([redis.connect(), subscriber.connect()]);
  } catch (err) {
    redis.disconnect();
    subscriber.disconnect();
    throw new ConfigError([`REDIS_URL: cannot connect: ${(err as Error).message}`]);
  }
  const bus = new RedisBus(redis, subscriber, logger);
  const sessions = new RedisSessionStore(redis, bus, ttlMs, logger);
  await sessions.start();
  return {
    sessions,
    events: new RedisEventLog(redis, bus, logger),
    bus,
    redis,
    async close() {
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}

/** In Redis when a URL is configured (replicas), in memory otherwise (one process). */
export function sharedState(
  redisUrl: string | undefined,
  ttlMs: number,
  logger: Logger,
): Promise<SharedState> {
  return redisUrl ? redisState(redisUrl, ttlMs, logger) : Promise.resolve(memoryState(ttlMs, logger));
}
