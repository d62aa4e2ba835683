import { FleetError } from '@mcp-fleet/contract';
import type { Caller } from '../auth/caller.js';
import type { ListKind, ProviderRegistry } from '../catalog/registry.js';
import type { Admission } from '../dispatch/admission.js';
import type { RequestContext } from '../engine/request-context.js';
import { invalidParams } from '../protocol/errors.js';
import { type JsonObject, notification, type RequestId } from '../protocol/messages.js';
import { META } from '../protocol/request-meta.js';
import { asksNothing, honour, type ListenFilter, type ListFlag, readListenFilter } from './listen-filter.js';

const LIST_CHANGES: Record<ListKind, { flag: ListFlag; method: string }> = {
  tools: { flag: 'toolsListChanged', method: 'notifications/tools/list_changed' },
  prompts: { flag: 'promptsListChanged', method: 'notifications/prompts/list_changed' },
  resources: { flag: 'resourcesListChanged', method: 'notifications/resources/list_changed' },
};

export interface ListenDeps {
  registry: ProviderRegistry;
  /** Policy and rate limits: a stream is admitted as any request is, and sees only what policy lets it. */
  admission: Admission;
  /** Open listen streams one replica serves at most (MCPFLEET_MAX_LISTEN_STREAMS). */
  maxStreams: number;
  /** Open listen streams of one caller on one replica (MCPFLEET_MAX_LISTEN_STREAMS_PER_CALLER). */
  maxStreamsPerCaller: number;
}

/** One open listen stream. */
interface Listener {
  caller: Caller;
  filter: ListenFilter;
  uris: ReadonlySet<string>;
  send(method: string, params: JsonObject): void;
  end(): void;
}

const full = (why: string, limit: number) =>
  new FleetError('RateLimited', `Too many listen streams: ${why}`, {
    data: { retryAfter: 5, limit },
    headers: { 'retry-after': '5' },
  });

/** The tag every message of a listen stream carries: the listen request's id, its JSON type kept. */
const tagOf = (id: RequestId): JsonObject => ({ [META.subscriptionId]: id });

/**
 * MCP 2026-07-28 `subscriptions/listen` on this replica. Each open stream gets the changes this
 * replica's registry sees through the providers' WatchCatalog streams (as the standalone streams
 * of 2025 sessions do): every replica watches every provider, so a stream on any replica hears of
 * a change made through any other. A stream lasts until its client leaves (its request is
 * cancelled) or the replica drains, which ends it with the listen result.
 */
export class ListenStreams {
  private readonly listeners = new Set<Listener>();
  /** Open streams by caller principal. */
  private readonly perCaller = new Map<string, number>();

  constructor(private readonly deps: ListenDeps) {}

  /** Follows the registry; returns what stops following it. */
  start(): () => void {
    const { registry } = this.deps;
    // Policy is asked again at each delivery: a right revoked after the stream opened stops it.
    const onListChanged = (kinds: ListKind[]) => {
      for (const kind of kinds) {
        const { flag, method } = LIST_CHANGES[kind];
        this.deliver((l) => l.filter[flag] === true && this.maySee(l.caller, kind), method, {});
      }
    };
    const onResourceUpdated = (uri: string) =>
      this.deliver((l) => l.uris.has(uri) && this.mayRead(l.caller, uri), 'notifications/resources/updated', {
        uri,
      });
    registry.on('listChanged', onListChanged);
    registry.on('resourceUpdated', onResourceUpdated);
    return () => {
      registry.off('listChanged', onListChanged);
      registry.off('resourceUpdated', onResourceUpdated);
    };
  }

  get count(): number {
    return this.listeners.size;
  }

  /**
   * Serves one listen request: the acknowledgement (the honoured filter) first, then what the
   * filter asks for, until the request is cancelled (nothing more is sent) or `endAll` ends it
   * with the listen result. A filter that asks for nothing is refused (-32602). Admitted as any
   * request (Forbidden when the caller may see none of what
   * it asks for, RateLimited past its rate limit); RateLimited too when the replica, or the caller
   * on it, has its most streams open.
   */
  async serve(ctx: RequestContext, params: JsonObject): Promise<JsonObject> {
    const { caller } = ctx;
    const asked = readListenFilter(params, ctx.session.clientCapabilities);
    if (asksNothing(asked))
      throw invalidParams('Invalid params: this subscriptions/listen filter asks for nothing');
    const filter = honour(
      asked,
      (uri) => this.mayRead(caller, uri),
      (kind) => this.maySee(caller, kind),
    );
    await this.deps.admission.admitStream(
      {
        caller,
        sessionId: ctx.session.id,
        method: 'subscriptions/listen',
        traceId: ctx.traceId,
        headers: ctx.headers,
      },
      !asksNothing(filter),
    );
    this.refuseWhenFull(caller);
    const tag = tagOf(ctx.requestId);
    ctx.emit(
      notification('notifications/subscriptions/acknowledged', { _meta: tag, notifications: { ...filter } }),
    );
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const listener: Listener = {
      caller,
      filter,
      uris: new Set(filter.resourceSubscriptions),
      send: (method, extra) => ctx.emit(notification(method, { ...extra, _meta: tag })),
      end,
    };
    this.listeners.add(listener);
    this.tally(caller, 1);
    ctx.cancellation.onAbort(end);
    if (ctx.cancellation.aborted) end();
    await ended;
    this.listeners.delete(listener);
    this.tally(caller, -1);
    return { _meta: tag };
  }

  /** Ends every stream with its listen result (the replica drains): clients reconnect elsewhere. */
  endAll(): void {
    for (const listener of this.listeners) listener.end();
  }

  private deliver(wants: (listener: Listener) => boolean, method: string, params: JsonObject): void {
    for (const listener of this.listeners) if (wants(listener)) listener.send(method, params);
  }

  private maySee(caller: Caller, kind: ListKind): boolean {
    return this.deps.admission.usesAny(caller, kind);
  }

  private mayRead(caller: Caller, uri: string): boolean {
    return this.deps.admission.visible(caller, 'resources', [{ uri }], (r) => ({ name: r.uri })).length > 0;
  }

  private tally(caller: Caller, delta: number): void {
    const open = (this.perCaller.get(caller.principal) ?? 0) + delta;
    if (open > 0) this.perCaller.set(caller.principal, open);
    else this.perCaller.delete(caller.principal);
  }

  /** One caller never takes the whole replica: its own cap is met before the replica's. */
  private refuseWhenFull(caller: Caller): void {
    const { maxStreams, maxStreamsPerCaller } = this.deps;
    if ((this.perCaller.get(caller.principal) ?? 0) >= maxStreamsPerCaller)
      throw full(
        `you have at most ${maxStreamsPerCaller} subscriptions/listen streams open on this gateway replica (MCPFLEET_MAX_LISTEN_STREAMS_PER_CALLER): close one first`,
        maxStreamsPerCaller,
      );
    if (this.listeners.size >= maxStreams)
      throw full(
        `this gateway replica serves at most ${maxStreams} subscriptions/listen streams at once (MCPFLEET_MAX_LISTEN_STREAMS); retry later`,
        maxStreams,
      );
  }
}
