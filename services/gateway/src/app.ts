import { ConfigError, parseListen } from '@mcp-fleet/sdk';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Admission } from './dispatch/admission.js';
import { AuditLog } from './audit/audit-log.js';
import { loadAuthFile } from './auth/auth-file.js';
import {
  type Authenticator,
  createAuthenticator,
  noAuthentication,
  RESOURCE_METADATA_PATH,
} from './auth/authenticator.js';
import { discoveryOptions, startKubeDiscovery } from './catalog/kube-discovery.js';
import type { ProviderConfig } from './catalog/providers-file.js';
import { ProviderRegistry } from './catalog/registry.js';
import { type GatewayConfig, splitList } from './config.js';
import { GatewayCore } from './engine/engine.js';
import { HttpError, httpErrors } from './protocol/errors.js';
import { IdentityMinter } from './identity/minter.js';
import { serializeResponse } from './protocol/messages.js';
import { PolicyHolder } from './policy/engine.js';
import { ConcurrencyLimits } from './ratelimit/concurrency.js';
import { MemoryLimiter } from './ratelimit/memory-limiter.js';
import { RedisLimiter } from './ratelimit/redis-limiter.js';
import { MemoryBus, MemoryEventLog, MemorySessionStore } from './session/memory.js';
import { connectRedis, RedisBus, RedisEventLog, RedisSessionStore } from './session/redis.js';
import type { Bus, EventLog, SessionStore } from './session/types.js';
import { GatewayMetrics } from './telemetry/metrics.js';
import { startGrpcEdge } from './transports/grpc.js';
import { registerLegacySse } from './transports/legacy-sse.js';
import { originPolicy } from './transports/origin.js';
import { registerStreamableHttp } from './transports/streamable-http.js';
import { registerWebSocket } from './transports/websocket.js';
import type { Workflow } from './workflows/workflow-file.js';
import { WorkflowCatalog } from './workflows/workflow-tools.js';

export interface BuildOptions {
  config: GatewayConfig;
  providers: ProviderConfig[];
  /** Workflows exposed as tools (MCPFLEET_WORKFLOWS_FILE). */
  workflows?: Workflow[];
  logger: Logger;
}

export interface Gateway {
  app: FastifyInstance;
  core: GatewayCore;
  registry: ProviderRegistry;
  minter: IdentityMinter;
  policy: PolicyHolder;
  /** The gRPC edge's port, when it runs. */
  grpcPort?: number;
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

function grpcAddress(value: string): { host: string; port: number } {
  const address = parseListen(value);
  if (!address)
    throw new ConfigError([`MCPFLEET_GRPC_LISTEN=${JSON.stringify(value)}: expected host:port or off`]);
  return address;
}

/** `none` trusts everyone: only for a gateway nothing but this machine can reach. */
async function authenticator(config: GatewayConfig, logger: Logger): Promise<Authenticator> {
  if (config.authFile) return createAuthenticator(await loadAuthFile(config.authFile));
  if (!LOOPBACK.test(config.listen.host)) {
    throw new ConfigError([
      `MCPFLEET_AUTH_FILE is required: authentication "none" is refused on ${config.listen.host} (only loopback listeners may run without it)`,
    ]);
  }
  logger.warn('INSECURE: no MCPFLEET_AUTH_FILE, every caller on this machine is trusted as "local"');
  return noAuthentication();
}

function memoryState(ttlMs: number, logger: Logger): SharedState {
  return {
    sessions: new MemorySessionStore(ttlMs),
    events: new MemoryEventLog(),
    bus: new MemoryBus(logger),
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
  const sessions = new RedisSessionStore(redis, bus, ttlMs, logger);
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
export async function build({ config, providers, workflows = [], logger }: BuildOptions): Promise<Gateway> {
  const registry = new ProviderRegistry(providers, logger);
  const minter = await IdentityMinter.create({
    keyFile: config.identityKey,
    jwksOut: config.identityJwksOut,
  });
  const state = config.redisUrl
    ? await redisState(config.redisUrl, config.sessionTtl, logger)
    : memoryState(config.sessionTtl, logger);
  const metrics = new GatewayMetrics();
  const policy = new PolicyHolder(config.policyFile, logger);
  await policy.start();
  if (!config.policyFile) logger.warn('no MCPFLEET_POLICY_FILE: every call is denied');
  const audit = new AuditLog(config.auditLog, metrics);
  const limiter = state.redis
    ? new RedisLimiter(
        state.redis,
        {
          rateFailOpen: config.rateFailOpen,
          quotaFailOpen: config.quotaFailOpen,
          onOutage: (limit, failOpen) =>
            metrics.limitOutages.inc({ limit, mode: failOpen ? 'open' : 'closed' }),
        },
        logger,
      )
    : new MemoryLimiter();
  const admission = new Admission(
    policy,
    limiter,
    new ConcurrencyLimits(config.maxConcurrentPerSession, config.maxConcurrentPerSubject),
    audit,
  );
  const core = new GatewayCore({
    metrics,
    registry,
    ...state,
    admission,
    audit,
    authenticator: await authenticator(config, logger),
    minter,
    pageSize: config.pageSize,
    logger,
    workflows: new WorkflowCatalog(workflows),
  });
  await core.start();
  metrics.observe({
    inflight: () => core.inflightCount,
    connectedSessions: () => core.connectedSessions,
    providers: () => registry.status(),
  });

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
  let grpcEdge: Awaited<ReturnType<typeof startGrpcEdge>> | undefined;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  // RFC 9728: at the root, and with the resource path inserted for the /mcp resource.
  for (const path of [RESOURCE_METADATA_PATH, `${RESOURCE_METADATA_PATH}/mcp`]) {
    app.get(path, async (request) =>
      core.deps.authenticator.resourceMetadata(
        `${request.protocol}://${request.headers.host ?? 'localhost'}`,
      ),
    );
  }
  // Ready once start-up is over: every provider delivered its first catalog or failed for good,
  // or the start-up timeout passed. A provider going down later is reported, never made a reason
  // for 503: every replica sees the same provider down, so all of them would leave the Service
  // together and one provider's outage would take every other provider's tools with it; its own
  // tools answer -32003 meanwhile. Conflicts, Redis and draining concern this replica itself.
  app.get('/readyz', async (_request, reply) => {
    const conflicts = registry.catalog.conflicts;
    const redis = state.redis ? state.redis.status : 'not configured';
    const startup = registry.startupPhase;
    const ready =
      !draining && startup !== 'waiting' && conflicts.length === 0 && (!state.redis || redis === 'ready');
    return reply.code(ready ? 200 : 503).send({
      ready,
      draining,
      startup,
      conflicts,
      redis,
      grpcPort: grpcEdge?.port,
      providers: registry.status(),
    });
  });

  const checkOrigin = originPolicy({
    loopback: LOOPBACK.test(config.listen.host),
    allowedOrigins: splitList(config.allowedOrigins),
    allowedHosts: splitList(config.allowedHosts),
  });
  registerWebSocket(app, core, {
    path: '/ws',
    maxPayload: config.bodyLimit,
    checkOrigin,
    draining: () => draining,
  });
  await registerLegacySse(app, core, {
    ssePath: '/sse',
    messagesPath: '/messages',
    checkOrigin,
    draining: () => draining,
  });
  registerStreamableHttp(app, core, {
    path: '/mcp',
    jsonWindowMs: config.jsonWindow,
    sseRetryMs: 1000,
    draining: () => draining,
    checkOrigin,
  });

  await registry.start();
  const discovery = discoveryOptions(config);
  const discoveryWatch = discovery ? await startKubeDiscovery(registry, discovery, logger) : undefined;
  registry.finishStartup(config.readyTimeout);
  grpcEdge =
    config.grpcListen === 'off'
      ? undefined
      : await startGrpcEdge(core, {
          ...grpcAddress(config.grpcListen),
          maxMessageBytes: config.bodyLimit,
          draining: () => draining,
          logger,
        });

  const drain = async () => {
    draining = true;
    const deadline = Date.now() + config.drainTimeout;
    while (core.inflightCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    core.abortAll('gateway shutting down');
    await grpcEdge?.close();
    await app.close();
    core.close();
    await discoveryWatch?.stop();
    registry.close();
    await core.deps.sessions.close();
    await state.close();
    policy.close();
    audit.close();
  };

  return { app, core, registry, minter, policy, grpcPort: grpcEdge?.port, drain };
}
