import { FleetError } from '@mcp-fleet/contract';
import type { Caller } from '../auth/caller.js';
import type { ListKind, ProviderRegistry } from '../catalog/registry.js';
import type { RequestContext } from '../engine/request-context.js';
import { type JsonObject, notification, type RequestId } from '../protocol/messages.js';
import { META } from '../protocol/request-meta.js';
import { honour, type ListenFilter, type ListFlag, readListenFilter } from './listen-filter.js';

const LIST_CHANGES: Record<ListKind, { flag: ListFlag; method: string }> = {
  tools: { flag: 'toolsListChanged', method: 'notifications/tools/list_changed' },
  prompts: { flag: 'promptsListChanged', method: 'notifications/prompts/list_changed' },
  resources: { flag: 'resourcesListChanged', method: 'notifications/resources/list_changed' },
};

export interface ListenDeps {
  registry: ProviderRegistry;
  /** Open listen streams one replica serves at most (MCPFLEET_MAX_LISTEN_STREAMS). */
  maxStreams: number;
  /** Whether policy lets the caller read a resource: only such URIs are subscribed. */
  mayRead(caller: Caller, uri: string): boolean;
}

/** One open listen stream. */
interface Listener {
  filter: ListenFilter;
  send(method: string, params: JsonObject): void;
  end(): void;
}

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

  constructor(private readonly deps: ListenDeps) {}

  /** Follows the registry; returns what stops following it. */
  start(): () => void {
    const { registry } = this.deps;
    const onListChanged = (kinds: ListKind[]) => {
      for (const kind of kinds) {
        const { flag, method } = LIST_CHANGES[kind];
        this.deliver((filter) => filter[flag] === true, method, {});
      }
    };
    const onResourceUpdated = (uri: string) =>
      this.deliver(
        (filter) => filter.resourceSubscriptions?.includes(uri) === true,
        'notifications/resources/updated',
        { uri },
      );
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
   * with the listen result. Refuses with RateLimited when the replica serves its most streams.
   */
  async serve(ctx: RequestContext, params: JsonObject): Promise<JsonObject> {
    const asked = readListenFilter(params, ctx.session.clientCapabilities);
    if (this.listeners.size >= this.deps.maxStreams) throw this.full();
    const tag = tagOf(ctx.requestId);
    const filter = honour(asked, (uri) => this.deps.mayRead(ctx.caller, uri));
    ctx.emit(
      notification('notifications/subscriptions/acknowledged', { _meta: tag, notifications: { ...filter } }),
    );
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const listener: Listener = {
      filter,
      send: (method, extra) => ctx.emit(notification(method, { ...extra, _meta: tag })),
      end,
    };
    this.listeners.add(listener);
    ctx.signal.addEventListener('abort', end, { once: true });
    if (ctx.signal.aborted) end();
    await ended;
    this.listeners.delete(listener);
    return { _meta: tag };
  }

  /** Ends every stream with its listen result (the replica drains): clients reconnect elsewhere. */
  endAll(): void {
    for (const listener of this.listeners) listener.end();
  }

  private deliver(wants: (filter: ListenFilter) => boolean, method: string, params: JsonObject): void {
    for (const listener of this.listeners) if (wants(listener.filter)) listener.send(method, params);
  }

  private full(): FleetError {
    const { maxStreams } = this.deps;
    return new FleetError(
      'RateLimited',
      `Too many listen streams: this gateway replica serves at most ${maxStreams} subscriptions/listen streams at once (MCPFLEET_MAX_LISTEN_STREAMS); retry later`,
      { data: { retryAfter: 5, limit: maxStreams }, headers: { 'retry-after': '5' } },
    );
  }
}
