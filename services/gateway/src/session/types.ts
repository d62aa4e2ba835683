import type { LogLevel, LogThreshold } from '@mcp-fleet/contract';
import type { JsonObject } from '../protocol/messages.js';
import type { BusHandler } from './bus-handler.js';

/** What the gateway remembers of one MCP session (everything else is per request). */
export interface SessionData {
  id: string;
  /** The principal of the caller who opened it: a session is never served to anyone else. */
  principal: string;
  protocolVersion: string;
  clientCapabilities: JsonObject;
  clientInfo: JsonObject;
  /** A session's level (logging/setLevel), or a stateless request's (`_meta`, none when absent). */
  logLevel: LogThreshold;
  createdAt: number;
}

/** Sessions by id; memory for one process, Redis (hash + TTL) for replicas sharing sessions. */
export interface SessionStore {
  create(session: SessionData): Promise<void>;
  /** The session, its idle TTL refreshed; undefined when unknown or expired. */
  get(id: string): Promise<SessionData | undefined>;
  setLogLevel(id: string, level: LogLevel): Promise<void>;
  subscribe(id: string, uri: string): Promise<void>;
  unsubscribe(id: string, uri: string): Promise<void>;
  subscriptions(id: string): Promise<string[]>;
  delete(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Receives the events of one SSE stream, in order. */
export interface StreamSink {
  /** `data` is one serialised JSON-RPC message, or empty for a priming event; `final` ends the stream. */
  write(eventId: string, data: string, final: boolean): void;
  /** Another connection took the stream over, or the session ended. */
  close(): void;
}

/**
 * The events of every SSE stream, kept for resumption (Last-Event-ID) and delivered to whichever
 * connection, on any replica, holds the stream now.
 */
export interface EventLog {
  /** Records an event and delivers it to the stream's connection; returns the event id. */
  append(sessionId: string, streamId: string, data: string, final?: boolean): string;
  /** Makes `sink` the stream's connection on this replica, for events appended here from now on. */
  attachLocal(sessionId: string, streamId: string, sink: StreamSink): () => void;
  /**
   * Makes `sink` the stream's connection wherever its events are appended: replays the events
   * after `afterEventId` (none when it is no longer known), then delivers new ones.
   */
  resume(sessionId: string, streamId: string, afterEventId: string, sink: StreamSink): Promise<() => void>;
  /** Drops a session's streams and closes their connections on this replica. */
  forget(sessionId: string): void;
}

/**
 * Messages between gateway replicas: client answers, cancellations, session invalidations. Every
 * handler runs guarded: what it throws is logged, never left to kill the replica.
 */
export interface Bus {
  readonly replicaId: string;
  publish(channel: string, payload: JsonObject): void;
  subscribe(channel: string, handler: BusHandler): Promise<() => void>;
}

/** Event ids are `<stream id>.<origin>.<sequence>`; the stream id never contains a dot. */
export function streamOfEventId(eventId: string): string | undefined {
  const dot = eventId.indexOf('.');
  return dot > 0 ? eventId.slice(0, dot) : undefined;
}

export const CHANNELS = {
  replica: (replicaId: string) => `mcpfleet:replica:${replicaId}`,
  cancel: 'mcpfleet:cancel',
  sessionGone: 'mcpfleet:session-gone',
  sessionChanged: 'mcpfleet:session-changed',
  stream: (sessionId: string, streamId: string) => `mcpfleet:stream:${sessionId}:${streamId}`,
};
