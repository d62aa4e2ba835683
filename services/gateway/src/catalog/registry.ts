import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import {
  type CatalogEvent__Output,
  createProviderClient,
  type DescribeResponse__Output,
  type ToolProviderClient,
} from '@mcp-fleet/contract';
import { errorMessage } from '@mcp-fleet/runtime';
import type { Logger } from 'pino';
import { closeProviderStreams } from '../upstream/provider-mux.js';
import { describeCatalog } from './describe.js';
import {
  LIST_KINDS,
  type ListKind,
  listSignature,
  type MergedCatalog,
  mergeCatalog,
  type ProviderSnapshot,
} from './merged.js';
import type { PinGate } from './pin-gate.js';
import type { ProviderConfig } from './providers-file.js';
import type { ProviderState, ProviderStatus, RegistryEvents, StartupPhase } from './registry-types.js';

/** Reconnect backoff after a provider's watch stream breaks. */
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 10_000;
/**
 * A provider that was up a moment ago is most likely restarting: it is asked again at least this
 * often for RECENTLY_UP_MS after it went down, so its tools come back soon after it does.
 */
const RECENT_BACKOFF_MAX_MS = 1_000;
const RECENTLY_UP_MS = 30_000;
/**
 * A catalog stream that ends or breaks is re-opened at once (another replica behind the target
 * may carry it) unless the previous re-open was this recent: then the provider is marked down.
 */
const REOPEN_MIN_INTERVAL_MS = 1_000;
/** While the gateway starts, a provider not answering yet is asked again at least this often. */
const STARTUP_BACKOFF_MAX_MS = 1_000;
/** How a provider that is not listening or not answering yet fails: worth waiting for at start-up. */
const NOT_YET = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);

export type { ListKind, ProviderState, ProviderStatus, RegistryEvents, StartupPhase };

interface Connection {
  config: ProviderConfig;
  client: ToolProviderClient;
  describe?: DescribeResponse__Output;
  state: ProviderState;
  watch?: grpc.ClientReadableStream<CatalogEvent__Output>;
  retry?: NodeJS.Timeout;
  backoffMs: number;
  lastError?: string;
  /** A Describe of a newer revision runs; `again`: another revision was announced meanwhile. */
  reading?: { again: boolean };
  /** When it was last seen up, to retry a provider that is probably restarting sooner. */
  upAt?: number;
  /** When its catalog stream was last re-opened while it stayed up. */
  reopenedAt?: number;
  /** A connectivity watch on its channel is pending (one at most). */
  watchingChannel?: boolean;
  /** Set once the provider left the registry: late callbacks of its channel change nothing. */
  removed?: boolean;
}

/**
 * Keeps one long-lived gRPC channel per provider, follows each provider's WatchCatalog stream,
 * marks a provider down when the stream breaks and brings it back (with backoff) without a
 * gateway restart. `catalog` is always the merged view of the providers that are up.
 */
export class ProviderRegistry extends EventEmitter<RegistryEvents> {
  private readonly connections = new Map<string, Connection>();
  private merged: MergedCatalog = mergeCatalog([]);
  private closed = false;
  private startup: StartupPhase = 'waiting';
  private startupTimer?: NodeJS.Timeout;
  private endStartup: () => void = () => {};
  /** Settles when start-up is over, complete or timed out (see finishStartup). */
  readonly startupOver = new Promise<void>((resolve) => {
    this.endStartup = resolve;
  });

  constructor(
    configs: readonly ProviderConfig[],
    private readonly logger: Logger,
    private readonly pins?: PinGate,
  ) {
    super();
    pins?.onChange(() => this.rebuild());
    for (const config of configs) this.connections.set(config.name, this.connection(config));
  }

  private connection(config: ProviderConfig): Connection {
    return {
      config,
      client: createProviderClient(config.target),
      state: 'starting',
      backoffMs: BACKOFF_MIN_MS,
    };
  }

  has(name: string): boolean {
    return this.connections.has(name);
  }

  /**
   * Adds a provider while serving (discovery), or replaces one whose settings changed; its tools
   * appear once it answers Describe. Returns without waiting for it.
   */
  upsert(config: ProviderConfig): void {
    const current = this.connections.get(config.name);
    if (current && JSON.stringify(current.config) === JSON.stringify(config)) return;
    if (current) this.disconnect(current);
    const connection = this.connection(config);
    this.connections.set(config.name, connection);
    this.logger.info(
      { provider: config.name, target: config.target },
      current ? 'provider changed' : 'provider added',
    );
    void this.connect(connection);
  }

  /** Removes a provider while serving: its tools disappear (list_changed) and its channel closes. */
  remove(name: string): void {
    const connection = this.connections.get(name);
    if (!connection) return;
    this.disconnect(connection);
    this.connections.delete(name);
    this.logger.info({ provider: name }, 'provider removed');
    this.rebuild();
    this.checkStartup();
  }

  private disconnect(connection: Connection): void {
    connection.removed = true;
    clearTimeout(connection.retry);
    connection.watch?.cancel();
    closeProviderStreams(connection.client);
    connection.client.close();
  }

  get catalog(): MergedCatalog {
    return this.merged;
  }

  client(provider: string): ToolProviderClient | undefined {
    return this.connections.get(provider)?.client;
  }

  /** Per provider: its state, and why it is not up. */
  status(): ProviderStatus[] {
    return [...this.connections.values()].map((c) => ({
      name: c.config.name,
      target: c.config.target,
      state: c.state,
      up: c.state === 'up',
      ...(c.state === 'up' || !c.lastError ? {} : { error: c.lastError }),
    }));
  }

  /** Connects to every provider; resolves once each has answered or failed its first Describe. */
  async start(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => this.connect(c)));
  }

  get startupPhase(): StartupPhase {
    return this.startup;
  }

  /**
   * Ends start-up once no provider is `starting` any more, or after `timeoutMs` at the latest;
   * the providers still starting then are reported down. Called once every provider known at start
   * (the providers file, then the Services discovery listed) is in the registry.
   */
  finishStartup(timeoutMs: number): void {
    this.startupTimer = setTimeout(() => {
      const missing = [...this.connections.values()].filter((c) => c.state === 'starting');
      for (const connection of missing) {
        connection.state = 'down';
        connection.lastError ??= `no catalog within the start-up timeout (${timeoutMs} ms)`;
      }
      this.startup = 'timed out';
      this.endStartup();
      this.logger.warn(
        { timeoutMs, down: missing.map((c) => c.config.name) },
        'start-up timeout: ready without the providers still missing',
      );
    }, timeoutMs);
    this.startupTimer.unref();
    this.checkStartup();
  }

  private checkStartup(): void {
    if (this.startup !== 'waiting' || !this.startupTimer) return;
    if ([...this.connections.values()].some((c) => c.state === 'starting')) return;
    clearTimeout(this.startupTimer);
    this.startup = 'complete';
    this.endStartup();
    this.logger.info('every provider answered: ready');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.startupTimer);
    for (const c of this.connections.values()) this.disconnect(c);
  }

  private async connect(connection: Connection): Promise<void> {
    if (this.closed || connection.removed) return;
    try {
      const describe = await describeCatalog(connection.client);
      await this.pins?.observe(connection.config, describe);
      if (connection.removed) return;
      connection.describe = describe;
      this.follow(connection);
      connection.state = 'up';
      connection.upAt = Date.now();
      connection.backoffMs = BACKOFF_MIN_MS;
      connection.lastError = undefined;
      this.logger.info(
        {
          provider: connection.config.name,
          revision: connection.describe.revision,
          tools: connection.describe.tools.length,
        },
        'provider up',
      );
      this.rebuild();
      this.checkStartup();
    } catch (err) {
      this.markDown(connection, errorMessage(err), (err as Partial<grpc.ServiceError>).code);
    }
  }

  /**
   * One Describe at a time per provider: revisions announced while it runs are read by one more,
   * not one each (500 announcements of a 1 MB catalog took a gateway to 1 GB).
   */
  private reread(connection: Connection): void {
    if (connection.reading) {
      connection.reading.again = true;
      return;
    }
    const reading = { again: false };
    connection.reading = reading;
    describeCatalog(connection.client)
      .then(async (describe) => {
        await this.pins?.observe(connection.config, describe);
        if (connection.removed || connection.state !== 'up') return;
        connection.describe = describe;
        this.rebuild();
      })
      .catch((err: unknown) => this.markDown(connection, errorMessage(err)))
      .finally(() => {
        connection.reading = undefined;
        if (reading.again && connection.state === 'up' && !connection.removed) this.reread(connection);
      });
  }

  private follow(connection: Connection): void {
    const watch = connection.client.WatchCatalog({});
    connection.watch = watch;
    watch.on('data', (event: CatalogEvent__Output) => {
      if (event.event === 'resourceUpdated' && event.resourceUpdated) {
        this.emit('resourceUpdated', event.resourceUpdated);
      } else if (event.event === 'revision' && event.revision !== connection.describe?.revision) {
        this.reread(connection);
      }
    });
    watch.on('error', (err) => {
      if (connection.watch === watch) this.reopen(connection, err.message);
    });
    watch.on('end', () => {
      if (connection.watch === watch) this.reopen(connection, 'catalog stream ended');
    });
  }

  /**
   * A catalog stream that ended or broke (a draining replica ends it) is re-opened at once with
   * the provider's tools kept: the channel picks another replica if there is one. Only a re-open
   * that fails (its Describe does) or that breaks again right away marks the provider down.
   */
  private reopen(connection: Connection, reason: string): void {
    connection.watch = undefined;
    const now = Date.now();
    const recent =
      connection.reopenedAt !== undefined && now - connection.reopenedAt < REOPEN_MIN_INTERVAL_MS;
    if (connection.state !== 'up' || recent || this.closed) {
      this.markDown(connection, reason);
      return;
    }
    connection.reopenedAt = now;
    this.logger.info({ provider: connection.config.name, reason }, 'catalog stream re-opened');
    void this.connect(connection);
  }

  /**
   * A provider that is not listening yet while the gateway starts stays `starting` and is asked
   * again soon; any other failure (a Describe it answered with an error, a broken stream) is down.
   */
  private markDown(connection: Connection, reason: string, code?: number): void {
    if (connection.removed) return;
    // A catalog that failed while its watch is open (a bad revision): the watch goes with it.
    const watch = connection.watch;
    connection.watch = undefined;
    watch?.cancel();
    const wasUp = connection.state === 'up';
    const waiting =
      connection.state === 'starting' &&
      this.startup === 'waiting' &&
      code !== undefined &&
      NOT_YET.has(code);
    connection.state = waiting ? 'starting' : 'down';
    connection.lastError = reason;
    if (wasUp) {
      connection.upAt = Date.now();
      this.logger.warn({ provider: connection.config.name, reason }, 'provider down');
      this.rebuild();
    } else {
      this.logger.debug({ provider: connection.config.name, reason }, 'provider still unreachable');
    }
    this.checkStartup();
    if (this.closed || connection.retry) return;
    connection.retry = setTimeout(() => {
      connection.retry = undefined;
      void this.connect(connection);
    }, connection.backoffMs);
    connection.retry.unref();
    const recentlyUp = connection.upAt !== undefined && Date.now() - connection.upAt < RECENTLY_UP_MS;
    connection.backoffMs = Math.min(
      connection.backoffMs * 2,
      waiting ? STARTUP_BACKOFF_MAX_MS : recentlyUp ? RECENT_BACKOFF_MAX_MS : BACKOFF_MAX_MS,
    );
    this.retryWhenReady(connection);
  }

  /**
   * grpc-js reconnects the channel on its own schedule; the moment it is READY again the pending
   * retry runs, rather than when the registry's backoff happens to end. A channel READY all along
   * (the provider answers, but with a catalog that fails) waits for the backoff.
   */
  private retryWhenReady(connection: Connection): void {
    if (connection.watchingChannel) return;
    const channel = connection.client.getChannel();
    const check = (first: boolean) => {
      connection.watchingChannel = false;
      if (this.closed || connection.removed || !connection.retry) return;
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY && !first) {
        clearTimeout(connection.retry);
        connection.retry = undefined;
        void this.connect(connection);
        return;
      }
      if (state === grpc.connectivityState.SHUTDOWN) return;
      connection.watchingChannel = true;
      channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, () => check(false));
    };
    check(true);
  }

  private rebuild(): void {
    const snapshots: ProviderSnapshot[] = [...this.connections.values()].map((c) => ({
      config: c.config,
      describe: c.describe,
      up: c.state === 'up',
    }));
    const previous = this.merged;
    let next: MergedCatalog;
    let changed: ListKind[];
    try {
      next = mergeCatalog(this.pins ? this.pins.screen(snapshots) : snapshots);
      changed = LIST_KINDS.filter((kind) => listSignature(previous, kind) !== listSignature(next, kind));
    } catch (err) {
      // Catalogs are checked on arrival; whatever still fails here keeps the catalog served.
      this.logger.error({ err: errorMessage(err) }, 'catalog rebuild failed: the previous catalog stays');
      return;
    }
    for (const conflict of next.conflicts) {
      if (!previous.conflicts.includes(conflict))
        this.logger.error({ conflict }, 'catalog conflict: name refused');
    }
    this.merged = next;
    if (changed.length > 0) this.emit('listChanged', changed);
  }
}
