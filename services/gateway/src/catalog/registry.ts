import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import {
  type CatalogEvent__Output,
  createProviderClient,
  type DescribeResponse__Output,
  type ToolProviderClient,
} from '@mcp-fleet/contract';
import { errorMessage } from '@mcp-fleet/sdk';
import type { Logger } from 'pino';
import { type MergedCatalog, mergeCatalog, type ProviderSnapshot } from './merged.js';
import type { ProviderConfig } from './providers-file.js';

/** Reconnect backoff after a provider's watch stream breaks. */
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 10_000;
const DESCRIBE_TIMEOUT_MS = 5_000;

export type ListKind = 'tools' | 'resources' | 'prompts';

export interface RegistryEvents {
  /** The lists clients see changed. */
  listChanged: [kinds: ListKind[]];
  /** A provider announced a change of a subscribable resource. */
  resourceUpdated: [uri: string];
}

interface Connection {
  config: ProviderConfig;
  client: ToolProviderClient;
  describe?: DescribeResponse__Output;
  up: boolean;
  watch?: grpc.ClientReadableStream<CatalogEvent__Output>;
  retry?: NodeJS.Timeout;
  backoffMs: number;
  lastError?: string;
  /** Set once the provider left the registry: late callbacks of its channel change nothing. */
  removed?: boolean;
}

function listSignature(catalog: MergedCatalog, kind: ListKind): string {
  const lists = {
    tools: [catalog.toolList],
    resources: [catalog.resourceList, catalog.templateList],
    prompts: [catalog.promptList],
  }[kind];
  return JSON.stringify(lists);
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

  constructor(
    configs: readonly ProviderConfig[],
    private readonly logger: Logger,
  ) {
    super();
    for (const config of configs) this.connections.set(config.name, this.connection(config));
  }

  private connection(config: ProviderConfig): Connection {
    return { config, client: createProviderClient(config.target), up: false, backoffMs: BACKOFF_MIN_MS };
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
  }

  private disconnect(connection: Connection): void {
    connection.removed = true;
    clearTimeout(connection.retry);
    connection.watch?.cancel();
    connection.client.close();
  }

  get catalog(): MergedCatalog {
    return this.merged;
  }

  client(provider: string): ToolProviderClient | undefined {
    return this.connections.get(provider)?.client;
  }

  /** Per provider: up or down, and why it is down. */
  status(): { name: string; target: string; up: boolean; error?: string }[] {
    return [...this.connections.values()].map((c) => ({
      name: c.config.name,
      target: c.config.target,
      up: c.up,
      ...(c.up || !c.lastError ? {} : { error: c.lastError }),
    }));
  }

  /** Connects to every provider; resolves once each has answered or failed its first Describe. */
  async start(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => this.connect(c)));
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections.values()) this.disconnect(c);
  }

  private describe(connection: Connection): Promise<DescribeResponse__Output> {
    return new Promise((resolve, reject) => {
      connection.client.Describe({}, { deadline: Date.now() + DESCRIBE_TIMEOUT_MS }, (err, response) =>
        err || !response ? reject(err ?? new Error('empty Describe response')) : resolve(response),
      );
    });
  }

  private async connect(connection: Connection): Promise<void> {
    if (this.closed || connection.removed) return;
    try {
      const describe = await this.describe(connection);
      if (connection.removed) return;
      connection.describe = describe;
      this.follow(connection);
      connection.up = true;
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
    } catch (err) {
      this.markDown(connection, errorMessage(err));
    }
  }

  private follow(connection: Connection): void {
    const watch = connection.client.WatchCatalog({});
    connection.watch = watch;
    watch.on('data', (event: CatalogEvent__Output) => {
      if (event.event === 'resourceUpdated' && event.resourceUpdated) {
        this.emit('resourceUpdated', event.resourceUpdated);
      } else if (event.event === 'revision' && event.revision !== connection.describe?.revision) {
        this.describe(connection).then(
          (describe) => {
            connection.describe = describe;
            this.rebuild();
          },
          (err: unknown) => this.markDown(connection, errorMessage(err)),
        );
      }
    });
    watch.on('error', (err) => {
      if (connection.watch === watch) this.markDown(connection, err.message);
    });
    watch.on('end', () => {
      if (connection.watch === watch) this.markDown(connection, 'catalog stream ended');
    });
  }

  private markDown(connection: Connection, reason: string): void {
    if (connection.removed) return;
    connection.watch = undefined;
    const wasUp = connection.up;
    connection.up = false;
    connection.lastError = reason;
    if (wasUp) {
      this.logger.warn({ provider: connection.config.name, reason }, 'provider down');
      this.rebuild();
    } else {
      this.logger.debug({ provider: connection.config.name, reason }, 'provider still unreachable');
    }
    if (this.closed || connection.retry) return;
    connection.retry = setTimeout(() => {
      connection.retry = undefined;
      void this.connect(connection);
    }, connection.backoffMs);
    connection.retry.unref();
    connection.backoffMs = Math.min(connection.backoffMs * 2, BACKOFF_MAX_MS);
  }

  private rebuild(): void {
    const snapshots: ProviderSnapshot[] = [...this.connections.values()].map((c) => ({
      config: c.config,
      describe: c.describe,
      up: c.up,
    }));
    const previous = this.merged;
    const next = mergeCatalog(snapshots);
    for (const conflict of next.conflicts) {
      if (!previous.conflicts.includes(conflict))
        this.logger.error({ conflict }, 'catalog conflict: name refused');
    }
    this.merged = next;
    const changed = (['tools', 'resources', 'prompts'] as const).filter(
      (kind) => listSignature(previous, kind) !== listSignature(next, kind),
    );
    if (changed.length > 0) this.emit('listChanged', changed);
  }
}
