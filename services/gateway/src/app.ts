import { ConfigError } from '@mcp-fleet/sdk';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ProviderConfig } from './catalog/providers-file.js';
import { ProviderRegistry } from './catalog/registry.js';
import { type GatewayConfig, splitList } from './config.js';
import { GatewayCore } from './core.js';
import { HttpError, httpErrors } from './errors.js';
import { IdentityMinter } from './identity/minter.js';
import { serializeResponse } from './mcp/messages.js';
import { MemoryBus, MemoryEventLog, MemorySessionStore } from './session/memory.js';
import { connectRedis, RedisBus, RedisEventLog, RedisSessionStore } from './session/redis.js';
import type { Bus, EventLog, SessionStore } from './session/types.js';
import { originPolicy } from './transports/origin.js';
import { registerStreamableHttp } from './transports/streamable-http.js';

export interface BuildOptions {
  config: GatewayConfig;
  providers: ProviderConfig[];
  logger: Logger;
}

export interface Gateway {
  app: FastifyInstance;
  core: GatewayCore;
  registry: ProviderRegistry;
  minter: IdentityMinter;
  /** Stops taking requests, lets in-flight ones finish (up to drainTimeout), closes everything. */
  drain(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Fastify's own errors mapped onto the transport's JSON-RPC error bodies. */
function transportError(
  err: { code?: string; statusCode?: number; message: string },
  bodyLimit: number,
): HttpError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return httpErrors.tooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return httpErrors.unsupportedMediaType();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return httpErrors.parse('empty body');
    default:
      return new HttpError(
        err.statusCode && err.statusCode >= 400 ? err.statusCode : 500,
        -32603,
        err.message,
      );
  }
}

interface SharedState {
  sessions: SessionStore;
  events: EventLog;
  bus: Bus;
  redis?: Redis;
  close(): Promise<void>;
}

function memoryState(ttlMs: number): SharedState {
  return {
    sessions: new MemorySessionStore(ttlMs),
    events: new MemoryEventLog(),
    bus: new MemoryBus(),
    close: async () => {},
  };
}

/** Sessions, stream events and replica messages in Redis; refuses to start when Redis is unreachable. */
async function redisState(url: string, ttlMs: number, logger: Logger): Promise<SharedState> {
  const redis = connectRedis(url, logger, 'commands');
  const subscriber = connectRedis(url, logger, 'subscriber');
  try {
    await Promise.all([redis.connect(), subscriber.connect()]);
  } catch (err) {
    redis.disconnect();
    subscriber.disconnect();
    throw new ConfigError([`REDIS_URL: cannot connect: ${(err as Error).message}`]);
  }
  const bus = new RedisBus(redis, subscriber, logger);
  const sessions = new RedisSessionStore(redis, bus, ttlMs);
  await sessions.start();
  return {
    sessions,
    events: new RedisEventLog(redis, bus, logger),
    bus,
    redis,
    async close() {
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}

/** Builds the gateway without listening: tests use `app.inject()` or listen on port 0. */
export async function build({ config, providers, logger }: BuildOptions): Promise<Gateway> {
  const registry = new ProviderRegistry(providers, logger);
  const minter = await IdentityMinter.create({
    keyFile: config.identityKey,
    jwksOut: config.identityJwksOut,
  });
  const state = config.redisUrl
    ? await redisState(config.redisUrl, config.sessionTtl, logger)
    : memoryState(config.sessionTtl);
  const core = new GatewayCore({ registry, ...state, minter, pageSize: config.pageSize, logger });
  await core.start();

  const app = Fastify({
    logger: false,
    bodyLimit: config.bodyLimit,
    forceCloseConnections: true,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((err, _request, reply) => {
    const error =
      err instanceof HttpError
        ? err
        : transportError(err as Parameters<typeof transportError>[0], config.bodyLimit);
    if (error.status >= 500) logger.error({ err }, 'request failed');
    return reply
      .code(error.status)
      .type('application/json')
      .send(serializeResponse(null, { error: { code: error.code, message: error.message } }));
  });

  let draining = false;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const conflicts = registry.catalog.conflicts;
    const redis = state.redis ? state.redis.status : 'not configured';
    const ready = !draining && conflicts.length === 0 && (!state.redis || redis === 'ready');
    return reply
      .code(ready ? 200 : 503)
      .send({ ready, draining, conflicts, redis, providers: registry.status() });
  });

  registerStreamableHttp(app, core, {
    path: '/mcp',
    jsonWindowMs: config.jsonWindow,
    sseRetryMs: 1000,
    draining: () => draining,
    checkOrigin: originPolicy({
      loopback: LOOPBACK.test(config.listen.host),
      allowedOrigins: splitList(config.allowedOrigins),
      allowedHosts: splitList(config.allowedHosts),
    }),
  });

  await registry.start();

  const drain = async () => {
    draining = true;
    const deadline = Date.now() + config.drainTimeout;
    while (core.inflightCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    core.abortAll('gateway shutting down');
    await app.close();
    core.close();
    registry.close();
    await core.deps.sessions.close();
    await state.close();
  };

  return { app, core, registry, minter, drain };
}
