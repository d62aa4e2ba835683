import type { LogLevel } from '@mcp-fleet/contract';
import { InflightTable } from '@mcp-fleet/runtime';
import type { Logger } from 'pino';
import type { JsonObject } from '../protocol/messages.js';
import { type BusHandler, guarded } from './bus-handler.js';
import { newReplicaId } from './replica-id.js';
import type { Bus, EventLog, SessionData, SessionStore, StreamSink } from './types.js';

/** Events kept per stream for resumption. */
export const STREAM_EVENT_CAP = 1000;

/** How long a stream's events stay resumable after its last event. */
export const STREAM_RETENTION_MS = 5 * 60_000;

interface MemorySession {
  data: SessionData;
  subscriptions: Set<string>;
  expiresAt: number;
}

/** Sessions in this process only; expired ones are swept every minute. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, MemorySession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly ttlMs: number) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async create(data: SessionData): Promise<void> {
    this.sessions.set(data.id, { data, subscriptions: new Set(), expiresAt: Date.now() + this.ttlMs });
  }

  private live(id: string): MemorySession | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    session.expiresAt = Date.now() + this.ttlMs;
    return session;
  }

  async get(id: string): Promise<SessionData | undefined> {
    return this.live(id)?.data;
  }

  async setLogLevel(id: string, level: LogLevel): Promise<void> {
    const session = this.live(id);
    if (session) session.data = { ...session.data, logLevel: level };
  }

  async subscribe(id: string, uri: string): Promise<void> {
    this.live(id)?.subscriptions.add(uri);
  }

  async unsubscribe(id: string, uri: string): Promise<void> {
    this.live(id)?.subscriptions.delete(uri);
  }

  async subscriptions(id: string): Promise<string[]> {
    return [...(this.live(id)?.subscriptions ?? [])];
  }

  async delete(id: string): Promise<boolean> {
    return this.sessions.delete(id);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}

/** Delivery inside one process: channels are plain handler sets. */
export class MemoryBus implements Bus {
  readonly replicaId = newReplicaId();
  private readonly handlers = new Map<string, Set<(payload: JsonObject) => void>>();

  constructor(private readonly logger: Logger) {}

  publish(channel: string, payload: JsonObject): void {
    for (const handler of this.handlers.get(channel) ?? []) queueMicrotask(() => handler(payload));
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => void> {
    const set = this.handlers.get(channel) ?? new Set();
    const run = guarded(channel, handler, this.logger);
    set.add(run);
    this.handlers.set(channel, set);
    return () => {
      set.delete(run);
      if (set.size === 0) this.handlers.delete(channel);
    };
  }
}

export interface StoredEvent {
  id: string;
  data: string;
  final: boolean;
}

interface MemoryStream {
  events: StoredEvent[];
  sink?: StreamSink;
  lastEventAt: number;
}

/** Stream events in this process, capped per stream, dropped with their session or when stale. */
export class MemoryEventLog implements EventLog {
  private readonly streams = new InflightTable<MemoryStream>();
  private sequence = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => {
      const stale = Date.now() - STREAM_RETENTION_MS;
      for (const [key, stream] of this.streams.list())
        if (!stream.sink && stream.lastEventAt < stale) this.streams.delete(key);
    }, 60_000);
    this.sweeper.unref();
  }

  private stream(sessionId: string, streamId: string): MemoryStream {
    const key = `${sessionId}/${streamId}`;
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { events: [], lastEventAt: Date.now() };
      this.streams.set(key, stream);
    }
    return stream;
  }

  append(sessionId: string, streamId: string, data: string, final = false): string {
    const id = `${streamId}.m.${++this.sequence}`;
    const stream = this.stream(sessionId, streamId);
    stream.events.push({ id, data, final });
    stream.lastEventAt = Date.now();
    if (stream.events.length > STREAM_EVENT_CAP) stream.events.shift();
    stream.sink?.write(id, data, final);
    return id;
  }

  attachLocal(sessionId: string, streamId: string, sink: StreamSink): () => void {
    const stream = this.stream(sessionId, streamId);
    if (stream.sink && stream.sink !== sink) stream.sink.close();
    stream.sink = sink;
    return () => {
      if (stream.sink === sink) stream.sink = undefined;
    };
  }

  async resume(sessionId: string, streamId: string, afterEventId: string, sink: StreamSink) {
    const stream = this.stream(sessionId, streamId);
    const start = stream.events.findIndex((e) => e.id === afterEventId);
    for (const event of start >= 0 ? stream.events.slice(start + 1) : [])
      sink.write(event.id, event.data, event.final);
    return this.attachLocal(sessionId, streamId, sink);
  }

  forget(sessionId: string): void {
    for (const [key, stream] of this.streams.list()) {
      if (key.startsWith(`${sessionId}/`)) {
        stream.sink?.close();
        this.streams.delete(key);
      }
    }
  }
}
