import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import {
  type CatalogEvent,
  type DescribeResponse,
  loadProviderProto,
  type ToolProviderHandlers,
} from '@mcp-fleet/contract';
import { InflightTable } from '@mcp-fleet/runtime';
import type { Logger } from 'pino';
import { type CallBatchesStream, MuxStream } from './call-mux.js';
import { type CallStream, handleCall } from './call-stream.js';
import { buildCatalog, type Catalog } from './catalog.js';
import type { Definition } from './define.js';
import { ProviderHealth } from './health.js';
import type { IdentityVerifier } from './identity.js';
import { Shutdown } from './shutdown.js';

/** The fully qualified service name, also the grpc.health.v1 service name. */
export const PROVIDER_SERVICE = 'mcpfleet.provider.v1.ToolProvider';

export interface ProviderSpec {
  /** The provider's name: the gateway's default prefix and the audience of its identity tokens. */
  name: string;
  version: string;
  /** Shown to clients as MCP `instructions`. */
  instructions?: string;
  definitions: readonly Definition[];
}

export interface ServeOptions {
  host: string;
  /** 0 picks a free port; the handle reports the one bound. */
  port: number;
  logger: Logger;
  identify: IdentityVerifier;
  /** How long drain() waits for in-flight calls before aborting them. */
  drainTimeoutMs: number;
  /** Calls in flight on one multiplexed CallBatches stream (default DEFAULT_MAX_CALLS_PER_STREAM). */
  maxCallsPerStream?: number;
}

/**
 * A gateway caps its own calls per stream at this figure and opens another stream beyond it, so
 * the limit only ever refuses a caller that ignores it.
 */
export const DEFAULT_MAX_CALLS_PER_STREAM = 256;

export interface ProviderHandle {
  port: number;
  /** Replaces the catalog; watchers are told the new revision when it differs. */
  setDefinitions(definitions: readonly Definition[]): void;
  /** Tells watchers that a subscribable resource changed. */
  resourceUpdated(uri: string): void;
  /**
   * Graceful stop: health turns NOT_SERVING, new calls are refused with UNAVAILABLE, in-flight
   * calls get drainTimeoutMs to finish and are then aborted, and the server shuts down.
   */
  drain(): Promise<void>;
}

export async function serveProvider(spec: ProviderSpec, options: ServeOptions): Promise<ProviderHandle> {
  const { logger } = options;
  let catalog: Catalog = buildCatalog(spec, spec.definitions);
  const watchers = new Set<grpc.ServerWritableStream<unknown, CatalogEvent>>();
  const inflight = new InflightTable<Promise<void>>();
  const muxStreams = new Set<MuxStream>();
  const track = (done: Promise<void>) => {
    const key = inflight.add(done);
    void done.then(() => inflight.delete(key));
  };
  const shutdown = new Shutdown();
  let draining = false;

  const broadcast = (event: CatalogEvent) => {
    for (const watcher of watchers) watcher.write(event);
  };

  const callEnvironment = {
    catalog: () => catalog,
    logger,
    identify: options.identify,
    shutdown,
  };
  const refuseWhileDraining = (call: grpc.ServerDuplexStream<unknown, unknown>): boolean => {
    if (draining)
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: `provider ${spec.name} is draining` });
    return draining;
  };

  const handlers: ToolProviderHandlers = {
    Describe(_call, callback) {
      callback(null, catalog.describe as DescribeResponse);
    },
    WatchCatalog(call) {
      watchers.add(call);
      call.write({ revision: catalog.describe.revision ?? '' });
      const forget = () => watchers.delete(call);
      call.on('cancelled', forget);
      call.on('close', forget);
    },
    Call(call) {
      if (refuseWhileDraining(call)) return;
      track(handleCall(call as CallStream, callEnvironment));
    },
    CallBatches(call) {
      if (refuseWhileDraining(call)) return;
      const mux = new MuxStream(call as CallBatchesStream, {
        ...callEnvironment,
        maxCallsPerStream: options.maxCallsPerStream ?? DEFAULT_MAX_CALLS_PER_STREAM,
        track,
        draining: () => draining,
      });
      muxStreams.add(mux);
      call.on('close', () => muxStreams.delete(mux));
    },
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  });
  server.addService(loadProviderProto().mcpfleet.provider.v1.ToolProvider.service, handlers);
  const health = new ProviderHealth(['', PROVIDER_SERVICE]);
  health.addTo(server);

  const port = await new Promise<number>((resolve, reject) => {
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    server.bindAsync(`${host}:${options.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(new Error(`cannot listen on ${host}:${options.port}: ${err.message}`)) : resolve(bound),
    );
  });
  health.set(true);
  logger.info(
    { port, tools: catalog.tools.size, revision: catalog.describe.revision },
    `provider ${spec.name} serving`,
  );

  let drained: Promise<void> | undefined;
  const drain = async () => {
    draining = true;
    health.set(false);
    logger.info({ inflight: inflight.size }, 'draining');
    const timeout = AbortSignal.timeout(options.drainTimeoutMs);
    await Promise.race([Promise.allSettled(inflight.values()), once(timeout, 'abort')]);
    if (inflight.size > 0) {
      logger.warn({ inflight: inflight.size }, 'drain timeout: aborting in-flight calls');
      shutdown.trigger();
      await Promise.allSettled(inflight.values());
    }
    for (const watcher of watchers) watcher.end();
    // A CallBatches stream outlives its calls: ended here, or tryShutdown would wait for it forever.
    for (const mux of muxStreams) mux.close();
    const forced = setTimeout(() => server.forceShutdown(), options.drainTimeoutMs);
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    clearTimeout(forced);
    logger.info('provider stopped');
  };

  return {
    port,
    setDefinitions(definitions) {
      const next = buildCatalog(spec, definitions);
      const changed = next.describe.revision !== catalog.describe.revision;
      catalog = next;
      if (changed) broadcast({ revision: next.describe.revision ?? '' });
    },
    resourceUpdated(uri) {
      broadcast({ resourceUpdated: uri });
    },
    drain() {
      drained ??= drain();
      return drained;
    },
  };
}
