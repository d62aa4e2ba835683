import type { LogLevel } from '@mcp-fleet/contract';
import { InflightTable } from '@mcp-fleet/runtime';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JsonObject } from '../protocol/messages.js';
import { type BusHandler, guarded } from './bus-handler.js';
import { STREAM_EVENT_CAP, STREAM_RETENTION_MS } from './memory.js';
import { newReplicaId } from './replica-id.js';
import {
  type Bus,
  CHANNELS,
  type EventLog,
  type SessionData,
  type SessionStore,
  type StreamSink,
} from './types.js';

const PREFIX = 'mcpfleet:';

/** How long a replica trusts its cached copy of a session (deletions are pushed over the bus). */
const SESSION_CACHE_MS = 5_000;

/** Commands that take longer than this fail instead of hanging the request (Redis down). */
const COMMAND_TIMEOUT_MS = 2_000;

export function connectRedis(url: string, logger: Logger, role: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // The commands of concurrent requests (limits, sessions) leave in one write per turn of the
    // event loop instead of one each; a subscriber connection has nothing to pipeline.
    enableAutoPipelining: role === 'commands',
  });
  let down = false;
  redis.on('error', (err) => {
    // One line per outage, not one per failed command.
    if (!down) logger.error({ err: err.message, role }, 'redis unreachable');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ role }, 'redis reachable again');
    down = false;
  });
  return redis;
}

/** Messages between replicas over Redis pub/sub: one subscriber connection per replica. */
export class RedisBus implements Bus {
  readonly replicaId = newReplicaId();
  private readonly handlers = new Map<string, Set<(payload: JsonObject) => void>>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', (channel: string, text: string) => {
      const handlers = this.handlers.get(channel);
      if (!handlers) return;
      let payload: JsonObject;
      try {
        payload = JSON.parse(text) as JsonObject;
      } catch {
        return;
      }
      for (const handler of handlers) handler(payload);
    });
  }

  publish(channel: string, payload: JsonObject): void {
    this.publisher.publish(channel, JSON.stringify(payload)).catch((err: Error) => {
      this.logger.warn({ err: err.message, channel }, 'cannot publish to other replicas');
    });
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    const run = guarded(channel, handler, this.logger);
    set.add(run);
    return () => {
      set.delete(run);
      if (set.size === 0 && this.handlers.get(channel) === set) {
        this.handlers.delete(channel);
        this.subscriber.unsubscribe(channel).catch(() => {});
      }
    };
  }
}

const sessionKey = (id: string) => `${PREFIX}session:${id}`;
const subscriptionsKey = (id: string) => `${PREFIX}session:${id}:subs`;

/**
 * Sessions as Redis hashes with an idle TTL, so any replica serves any request. A replica keeps
 * a short-lived copy of sessions it has seen; deletion and changes are pushed to every replica.
 */
export class RedisSessionStore implements SessionStore {
  private readonly cache = new Map<string, { data: SessionData; until: number; touchedAt: number }>();
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly bus: Bus,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** Expiry refreshes nobody waits for: when Redis is away they fail, and that is only logged. */
  private refreshInBackground(id: string, refresh: Promise<unknown>): void {
    refresh.catch((err: Error) =>
      this.logger.warn({ err: err.message, sessionId: id }, 'cannot refresh a session expiry'),
    );
  }

  async start(): Promise<void> {
    // After an outage nothing cached can be trusted: Redis may have lost every session.
    this.redis.on('ready', () => this.cache.clear());
    const forget = (p: JsonObject) => {
      this.cache.delete(String(p.sessionId));
    };
    const gone = await this.bus.subscribe(CHANNELS.sessionGone, forget);
    const changed = await this.bus.subscribe(CHANNELS.sessionChanged, forget);
    this.stopListening = () => {
      gone();
      changed();
    };
  }

  async create(data: SessionData): Promise<void> {
    const { logLevel, ...rest } = data;
    await this.redis
      .multi()
      .hset(sessionKey(data.id), 'data', JSON.stringify(rest), 'logLevel', logLevel)
      .pexpire(sessionKey(data.id), this.ttlMs)
      .exec();
    this.cache.set(data.id, { data, until: Date.now() + SESSION_CACHE_MS, touchedAt: Date.now() });
  }

  async get(id: string): Promise<SessionData | undefined> {
    const now = Date.now();
    const cached = this.cache.get(id);
    if (cached && cached.until > now) {
      // Refresh the idle TTL now and then, not on every request.
      if (now - cached.touchedAt > this.ttlMs / 20) {
        cached.touchedAt = now;
        this.refreshInBackground(id, this.touch(id));
      }
      return cached.data;
    }
    const [[, fields], [, renewed]] = (await this.redis
      .multi()
      .hgetall(sessionKey(id))
      .pexpire(sessionKey(id), this.ttlMs)
      .exec()) as [[Error | null, Record<string, string>], [Error | null, number]];
    if (!renewed || !fields?.data) {
      this.cache.delete(id);
      return undefined;
    }
    this.refreshInBackground(id, this.redis.pexpire(subscriptionsKey(id), this.ttlMs));
    const data = {
      ...(JSON.parse(fields.data) as Omit<SessionData, 'logLevel'>),
      logLevel: (fields.logLevel ?? 'info') as LogLevel,
    };
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(id, { data, until: now + SESSION_CACHE_MS, touchedAt: now });
    return data;
  }

  private async touch(id: string): Promise<void> {
    await this.redis
      .multi()
      .pexpire(sessionKey(id), this.ttlMs)
      .pexpire(subscriptionsKey(id), this.ttlMs)
      .exec();
  }

  async setLogLevel(id: string, level: LogLevel): Promise<void> {
    // The invalidation goes out in the same transaction, before the caller is answered: a request
    // the client sends after this answer, to any replica, finds the cached session already dropped.
    await this.redis
      .multi()
      .hset(sessionKey(id), 'logLevel', level)
      .publish(CHANNELS.sessionChanged, JSON.stringify({ sessionId: id }))
      .exec();
    this.cache.delete(id);
  }

  async subscribe(id: string, uri: string): Promise<void> {
    await this.redis.multi().sadd(subscriptionsKey(id), uri).pexpire(subscriptionsKey(id), this.ttlMs).exec();
  }

  async unsubscribe(id: string, uri: string): Promise<void> {
    await this.redis.srem(subscriptionsKey(id), uri);
  }

  async subscriptions(id: string): Promise<string[]> {
    return this.redis.smembers(subscriptionsKey(id));
  }

  async delete(id: string): Promise<boolean> {
    this.cache.delete(id);
    return (await this.redis.del(sessionKey(id), subscriptionsKey(id))) > 0;
  }

  async close(): Promise<void> {
    this.stopListening?.();
  }
}

interface LoggedEvent {
  id: string;
  data: string;
  final: boolean;
}

const streamKey = (sessionId: string, streamId: string) => `${PREFIX}stream:${sessionId}:${streamId}`;

/**
 * Stream events in Redis streams (capped, expiring), so a client can resume on any replica. An
 * event goes straight to a connection on this replica; otherwise it is published for the replica
 * where the client resumed.
 */
export class RedisEventLog implements EventLog {
  private readonly local = new InflightTable<StreamSink>();
  private sequence = 0;

  constructor(
    private readonly redis: Redis,
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  append(sessionId: string, streamId: string, data: string, final = false): string {
    const event: LoggedEvent = { id: `${streamId}.${this.bus.replicaId}.${++this.sequence}`, data, final };
    const sink = this.local.get(`${sessionId}/${streamId}`);
    sink?.write(event.id, data, final);
    const key = streamKey(sessionId, streamId);
    const text = JSON.stringify(event);
    const pipeline = this.redis
      .pipeline()
      .xadd(key, 'MAXLEN', '~', STREAM_EVENT_CAP, '*', 'e', text)
      .pexpire(key, STREAM_RETENTION_MS);
    if (!sink) pipeline.publish(CHANNELS.stream(sessionId, streamId), text);
    pipeline
      .exec()
      .catch((err: Error) => this.logger.warn({ err: err.message, sessionId }, 'cannot log stream event'));
    return event.id;
  }

  attachLocal(sessionId: string, streamId: string, sink: StreamSink): () => void {
    const key = `${sessionId}/${streamId}`;
    const previous = this.local.get(key);
    if (previous && previous !== sink) previous.close();
    this.local.set(key, sink);
    return () => {
      if (this.local.get(key) === sink) this.local.delete(key);
    };
  }

  async resume(
    sessionId: string,
    streamId: string,
    afterEventId: string,
    sink: StreamSink,
  ): Promise<() => void> {
    const delivered = new Set<string>();
    const deliver = (event: LoggedEvent) => {
      if (delivered.has(event.id)) return;
      delivered.add(event.id);
      sink.write(event.id, event.data, event.final);
    };
    let queued: LoggedEvent[] | undefined = [];
    // Subscribe before reading the log: an event is either in the log already or arrives live.
    const unsubscribe = await this.bus.subscribe(CHANNELS.stream(sessionId, streamId), (payload) => {
      const event = payload as unknown as LoggedEvent;
      if (queued) queued.push(event);
      else deliver(event);
    });
    const entries = await this.redis.xrange(streamKey(sessionId, streamId), '-', '+');
    const logged = entries.map(([, fields]) => JSON.parse(fields[1] ?? '{}') as LoggedEvent);
    const start = logged.findIndex((e) => e.id === afterEventId);
    for (const event of start >= 0 ? logged.slice(start + 1) : []) deliver(event);
    for (const event of queued) deliver(event);
    queued = undefined;
    const detachLocal = this.attachLocal(sessionId, streamId, sink);
    return () => {
      unsubscribe();
      detachLocal();
    };
  }

  forget(sessionId: string): void {
    for (const [key, sink] of this.local.list()) {
      if (key.startsWith(`${sessionId}/`)) {
        sink.close();
        this.local.delete(key);
      }
    }
  }
}
