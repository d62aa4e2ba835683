import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Admission } from '../dispatch/admission.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { ListKind, ProviderRegistry } from '../catalog/registry.js';
import type { IdentityMinter } from '../identity/minter.js';
import { readNotification } from '../protocol/client-notifications.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { isId, type JsonRpcNotification, notification, type RequestId } from '../protocol/messages.js';
import { ServerRequests } from './server-requests.js';
import { type Bus, CHANNELS, type EventLog, type SessionStore } from '../session/types.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { WorkflowCatalog } from '../workflows/workflow-tools.js';

/** The standalone (GET) stream of a session; POST streams get random ids. */
export const STANDALONE_STREAM = 'get';

export interface CoreDeps {
  metrics: GatewayMetrics;
  registry: ProviderRegistry;
  admission: Admission;
  audit: AuditLog;
  authenticator: Authenticator;
  sessions: SessionStore;
  events: EventLog;
  bus: Bus;
  minter: IdentityMinter;
  pageSize: number;
  logger: Logger;
  workflows: WorkflowCatalog;
}

const LIST_CHANGED: Record<ListKind, string> = {
  tools: 'notifications/tools/list_changed',
  resources: 'notifications/resources/list_changed',
  prompts: 'notifications/prompts/list_changed',
};

/**
 * The transport-independent gateway: sessions, in-flight requests and their cancellation, and the
 * notifications each session's standalone stream receives. Every edge (HTTP, SSE, WebSocket, gRPC)
 * drives this.
 */
export class GatewayCore {
  readonly dispatcher: Dispatcher;
  readonly serverRequests: ServerRequests;
  private readonly inflight = new Map<string, AbortController>();
  /** Sessions whose standalone stream is connected to this replica. */
  private readonly standalone = new Set<string>();
  private readonly cleanups: (() => void)[] = [];

  constructor(readonly deps: CoreDeps) {
    this.serverRequests = new ServerRequests(deps.bus, deps.audit);
    this.dispatcher = new Dispatcher({
      metrics: deps.metrics,
      registry: deps.registry,
      admission: deps.admission,
      minter: deps.minter,
      sessions: deps.sessions,
      serverRequests: this.serverRequests,
      pageSize: deps.pageSize,
      logger: deps.logger,
      workflows: deps.workflows,
    });
  }

  async start(): Promise<void> {
    const { bus, registry } = this.deps;
    this.cleanups.push(
      await this.serverRequests.start(),
      await bus.subscribe(CHANNELS.cancel, (p) => {
        if (typeof p.sessionId === 'string' && isId(p.requestId))
          this.abortLocal(p.sessionId, p.requestId, typeof p.reason === 'string' ? p.reason : '');
      }),
      await bus.subscribe(CHANNELS.sessionGone, (p) => this.forgetLocal(String(p.sessionId))),
    );
    const onListChanged = (kinds: ListKind[]) => {
      for (const kind of kinds) this.notifyStandalone(async () => notification(LIST_CHANGED[kind], {}));
    };
    const onResourceUpdated = (uri: string) =>
      this.notifyStandalone(async (sessionId) =>
        (await this.deps.sessions.subscriptions(sessionId)).includes(uri)
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

  newSessionId(): string {
    return randomBytes(24).toString('base64url');
  }

  newStreamId(): string {
    // Event ids are `<stream>.<origin>.<n>`: a stream id never contains a dot.
    return randomBytes(9).toString('base64url');
  }

  /** Registers an in-flight request; its signal aborts on cancellation, session end or shutdown. */
  beginRequest(sessionId: string, requestId: RequestId): { signal: AbortSignal; end: () => void } {
    const key = `${sessionId}\0${String(requestId)}`;
    const controller = new AbortController();
    this.inflight.set(key, controller);
    return {
      signal: controller.signal,
      end: () => {
        if (this.inflight.get(key) === controller) this.inflight.delete(key);
      },
    };
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Sessions whose standalone stream (or channel) is connected to this replica. */
  get connectedSessions(): number {
    return this.standalone.size;
  }

  /**
   * A client notification on `sessionId`, from any edge: acted on once its params passed their
   * schema (a cancellation may concern a request running on any replica). Returns why it was
   * dropped when it was malformed; notifications get no reply, so the edge decides what to say.
   */
  receiveNotification(sessionId: string, message: JsonRpcNotification): string | undefined {
    const read = readNotification(message);
    if ('malformed' in read) {
      // Debug only: a client can send these as fast as it likes.
      this.deps.logger.debug({ sessionId, reason: read.malformed }, 'dropped a malformed notification');
      return read.malformed;
    }
    if ('notification' in read && read.notification.method === 'notifications/cancelled') {
      const { requestId, reason = 'cancelled by the client' } = read.notification;
      this.deps.bus.publish(CHANNELS.cancel, { sessionId, requestId, reason });
    }
    return undefined;
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    const existed = await this.deps.sessions.delete(sessionId);
    this.deps.bus.publish(CHANNELS.sessionGone, { sessionId });
    return existed;
  }

  /** Marks a session's standalone stream as connected here until the returned function runs. */
  holdStandalone(sessionId: string): () => void {
    this.standalone.add(sessionId);
    return () => this.standalone.delete(sessionId);
  }

  /** Aborts every in-flight request on this replica (shutdown). */
  abortAll(reason: string): void {
    for (const controller of this.inflight.values()) controller.abort(new Error(reason));
  }

  close(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  private abortLocal(sessionId: string, requestId: RequestId, reason: string): void {
    this.inflight
      .get(`${sessionId}\0${String(requestId)}`)
      ?.abort(new Error(reason || 'cancelled by the client'));
  }

  private forgetLocal(sessionId: string): void {
    for (const [key, controller] of this.inflight) {
      if (key.startsWith(`${sessionId}\0`)) controller.abort(new Error('session ended'));
    }
    this.standalone.delete(sessionId);
    this.deps.events.forget(sessionId);
  }

  private notifyStandalone(
    build: (sessionId: string) => Promise<ReturnType<typeof notification> | undefined>,
  ): void {
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
