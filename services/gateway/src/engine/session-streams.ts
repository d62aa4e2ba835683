import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ListKind, ProviderRegistry } from '../catalog/registry.js';
import { notification } from '../protocol/messages.js';
import type { EventLog, SessionStore, StreamSink } from '../session/types.js';

/** The standalone (GET) stream of a session; request streams get random ids. */
export const STANDALONE_STREAM = 'get';

const LIST_CHANGED: Record<ListKind, string> = {
  tools: 'notifications/tools/list_changed',
  resources: 'notifications/resources/list_changed',
  prompts: 'notifications/prompts/list_changed',
};

export interface StreamDeps {
  events: EventLog;
  sessions: SessionStore;
  registry: ProviderRegistry;
  logger: Logger;
}

/** A stream answering one request: what goes down it, and the end of it. */
export interface RequestStream {
  emit(text: string): void;
  finish(text: string): void;
  release(): void;
}

/**
 * Every stream of the sessions served here, kept in the event log for resumption: request
 * streams, and the standalone stream that carries list changes and resource updates to the
 * sessions connected to this replica.
 */
export class SessionStreams {
  /** Sessions whose standalone stream (or channel) is connected to this replica. */
  private readonly standalone = new Set<string>();
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly deps: StreamDeps) {}

  start(): void {
    const { registry, sessions } = this.deps;
    const onListChanged = (kinds: ListKind[]) => {
      for (const kind of kinds) this.notify(async () => notification(LIST_CHANGED[kind], {}));
    };
    const onResourceUpdated = (uri: string) =>
      this.notify(async (sessionId) =>
        (await sessions.subscriptions(sessionId)).includes(uri)
          ? notification('notifications/resources/updated', { uri })
          : undefined,
      );
    registry.on('listChanged', onListChanged);
    registry.on('resourceUpdated', onResourceUpdated);
    this.cleanups.push(
      () => registry.off('listChanged', onListChanged),
      () => registry.off('resourceUpdated', onResourceUpdated),
    );
  }

  close(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  get connected(): number {
    return this.standalone.size;
  }

  /** Marks a session's standalone stream as connected here until the returned function runs. */
  hold(sessionId: string): () => void {
    this.standalone.add(sessionId);
    return () => this.standalone.delete(sessionId);
  }

  forget(sessionId: string): void {
    this.standalone.delete(sessionId);
    this.deps.events.forget(sessionId);
  }

  /** A new stream for one request's messages; a resumable one starts with a priming event. */
  openRequestStream(sessionId: string, sink: StreamSink, resumable: boolean): RequestStream {
    // Event ids are `<stream>.<origin>.<n>`: a stream id never contains a dot.
    const streamId = randomBytes(9).toString('base64url');
    const { events } = this.deps;
    const release = events.attachLocal(sessionId, streamId, sink);
    if (resumable) events.append(sessionId, streamId, '');
    return {
      emit: (text) => events.append(sessionId, streamId, text),
      finish: (text) => events.append(sessionId, streamId, text, true),
      release,
    };
  }

  /**
   * Connects `sink` to a stream: resumed after `lastEventId` when given, otherwise the standalone
   * stream (primed when resumable). Returns what lets it go.
   */
  async connect(
    sessionId: string,
    streamId: string,
    lastEventId: string | undefined,
    sink: StreamSink & { ended(): boolean },
    resumable: boolean,
  ): Promise<() => void> {
    const { events } = this.deps;
    let detach: () => void;
    if (lastEventId !== undefined) {
      detach = await events.resume(sessionId, streamId, lastEventId, sink);
    } else {
      detach = events.attachLocal(sessionId, STANDALONE_STREAM, sink);
      if (resumable) events.append(sessionId, STANDALONE_STREAM, '');
    }
    const release = streamId === STANDALONE_STREAM && !sink.ended() ? this.hold(sessionId) : () => {};
    return () => {
      detach();
      release();
    };
  }

  /** The standalone stream of a channel's session: every message of it goes down `send`. */
  attachChannel(sessionId: string, send: (text: string) => void): () => void {
    const detach = this.deps.events.attachLocal(sessionId, STANDALONE_STREAM, {
      write: (_id, data) => {
        if (data) send(data);
      },
      close: () => {},
    });
    const release = this.hold(sessionId);
    return () => {
      detach();
      release();
    };
  }

  private notify(build: (sessionId: string) => Promise<ReturnType<typeof notification> | undefined>): void {
    for (const sessionId of this.standalone) {
      build(sessionId).then(
        (message) => {
          if (message) this.deps.events.append(sessionId, STANDALONE_STREAM, JSON.stringify(message));
        },
        (err: unknown) => this.deps.logger.warn({ err, sessionId }, 'cannot notify session'),
      );
    }
  }
}
