import { ConfigError, parseListen } from '@mcp-fleet/runtime';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log.js';
import { loadAuthFile } from './auth/auth-file.js';
import { type Authenticator, createAuthenticator, noAuthentication } from './auth/authenticator.js';
import { type CatalogParts, catalogParts } from './catalog/catalog-parts.js';
import { discoveryOptions, startKubeDiscovery } from './catalog/kube-discovery.js';
import type { ProviderConfig } from './catalog/providers-file.js';
import { ProviderRegistry } from './catalog/registry.js';
import { type GatewayConfig, splitList } from './config.js';
import { Admission } from './dispatch/admission.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { headerScreen } from './dispatch/header-screen.js';
import { StatelessHandler } from './dispatch/stateless-handler.js';
import { SessionEngine } from './engine/engine.js';
import { ServerRequests } from './engine/server-requests.js';
import { sessionDialect } from './engine/session-dialect.js';
import { statelessDialect } from './engine/stateless-dialect.js';
import { IdentityMinter } from './identity/minter.js';
import { PolicyHolder } from './policy/engine.js';
import { ConcurrencyLimits } from './ratelimit/concurrency.js';
import { LeasingLimiter } from './ratelimit/leases.js';
import type { Limiter } from './ratelimit/limiter.js';
import { MemoryLimiter } from './ratelimit/memory-limiter.js';
import { RedisLimiter } from './ratelimit/redis-limiter.js';
import { registerServerCard } from './server-card/routes.js';
import { ListenStreams } from './subscriptions/listen-streams.js';
import { GatewayMetrics } from './telemetry/metrics.js';
import { startGrpcEdge } from './transports/grpc.js';
import { drainableHttp } from './transports/http-drain.js';
import { registerLegacySse } from './transports/legacy-sse.js';
import { type CheckOrigin, originPolicy } from './transports/origin.js';
import { registerStreamableHttp } from './transports/streamable-http.js';
import { registerWebSocket } from './transports/websocket.js';
import { type CallFeatureDeps, type CallFeatures, startCallFeatures } from './wiring/call-features.js';
import { httpApp, registerOperations } from './wiring/http-app.js';
import { type SharedState, sharedState } from './wiring/shared-state.js';
import type { Workflow } from './workflows/workflow-file.js';
import { WorkflowCatalog } from './workflows/workflow-tools.js';

export interface BuildOptions {
  config: GatewayConfig;
  providers: ProviderConfig[];
  /** Workflows exposed as tools (MCPFLEET_WORKFLOWS_FILE). */
  workflows?: Workflow[];
  logger: Logger;
  /**
   * Builds only once the providers answered or the start-up timeout passed, the gRPC edge started
   * after it (a gateway worker: it must not take connections with an empty catalog).
   */
  awaitStartup?: boolean;
}

export interface Gateway {
  app: FastifyInstance;
  /** The protocol engine every edge drives. */
  core: SessionEngine;
  registry: ProviderRegistry;
  minter: IdentityMinter;
  policy: PolicyHolder;
  /** The subscriptions/listen streams open on this replica. */
  listen: ListenStreams;
  /** The gRPC edge's port, when it runs. */
  grpcPort?: number;
  /** Stops taking requests, lets in-flight ones finish (up to drainTimeout), closes everything. */
  drain(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function grpcAddress(value: string): { host: string; port: number } {
  const address = parseListen(value);
  if (!address)
    throw new ConfigError([`MCPFLEET_GRPC_LISTEN=${JSON.stringify(value)}: expected host:port or off`]);
  return address;
}

/** `none` trusts everyone: only for a gateway nothing but this machine can reach. */
async function authenticator(config: GatewayConfig, logger: Logger): Promise<Authenticator> {
  if (config.authFile) return createAuthenticator(await loadAuthFile(config.authFile), logger);
  if (!LOOPBACK.test(config.listen.host)) {
    throw new ConfigError([
      `MCPFLEET_AUTH_FILE is required: authentication "none" is refused on ${config.listen.host} (only loopback listeners may run without it)`,
    ]);
  }
  logger.warn('INSECURE: no MCPFLEET_AUTH_FILE, every caller on this machine is trusted as "local"');
  return noAuthentication();
}

/**
 * Limits in Redis when replicas share state (each limit failing open or closed as configured),
 * checked once per lease of up to MCPFLEET_LIMIT_LEASE calls.
 */
function limiterOf(
  config: GatewayConfig,
  state: SharedState,
  metrics: GatewayMetrics,
  logger: Logger,
): Limiter {
  if (!state.redis) return new MemoryLimiter();
  const redis = new RedisLimiter(
    state.redis,
    {
      rateFailOpen: config.rateFailOpen,
      quotaFailOpen: config.quotaFailOpen,
      onOutage: (limit, failOpen) => metrics.limitOutages.inc({ limit, mode: failOpen ? 'open' : 'closed' }),
    },
    logger,
  );
  return new LeasingLimiter(redis, config.limitLease);
}

/** The four edges on the engine: Streamable HTTP, legacy SSE and WebSocket on `app`, gRPC on its own port. */
async function registerTransports(
  app: FastifyInstance,
  engine: SessionEngine,
  state: SharedState,
  config: GatewayConfig,
  logger: Logger,
  checkOrigin: CheckOrigin,
) {
  registerWebSocket(app, engine, { path: '/ws', maxPayload: config.bodyLimit, checkOrigin, logger });
  await registerLegacySse(app, engine, {
    ssePath: '/sse',
    messagesPath: '/messages',
    checkOrigin,
    bus: state.bus,
    logger,
  });
  registerStreamableHttp(app, engine, {
    path: '/mcp',
    jsonWindowMs: config.jsonWindow,
    sseRetryMs: 1000,
    checkOrigin,
    logger,
  });
}

function startGrpc(engine: SessionEngine, config: GatewayConfig, logger: Logger) {
  if (config.grpcListen === 'off') return undefined;
  return startGrpcEdge(engine, {
    ...grpcAddress(config.grpcListen),
    maxMessageBytes: config.bodyLimit,
    logger,
  });
}

/** The HTTP side: operations endpoints, the server card, and every HTTP transport behind one Host/Origin rule. */
async function httpSurface(
  config: GatewayConfig,
  logger: Logger,
  deps: Omit<Parameters<typeof registerOperations>[1], 'checkOrigin'> & { admission: Admission },
) {
  const { registry, authenticator: auth, engine, state, admission } = deps;
  const app = httpApp(config.bodyLimit, logger);
  const http = drainableHttp(app);
  const checkOrigin = originPolicy({
    loopback: LOOPBACK.test(config.listen.host),
    allowedOrigins: splitList(config.allowedOrigins),
    allowedHosts: splitList(config.allowedHosts),
  });
  registerOperations(app, { ...deps, checkOrigin });
  if (config.serverCard)
    registerServerCard(app, {
      checkOrigin,
      registry,
      admission,
      authMode: auth.mode,
      name: config.serverCardName,
      publicUrl: config.publicUrl,
    });
  await registerTransports(app, engine, state, config, logger, checkOrigin);
  return { app, stopAccepting: http.stopAccepting };
}

/**
 * Stops taking connections (requests on open ones are still served, told to reconnect elsewhere),
 * lets calls in flight finish within the drain timeout, aborts the rest, then closes each part in
 * order (parked calls and tasks before the stores they write to, the audit last).
 */
function drainer(
  engine: SessionEngine,
  timeoutMs: number,
  stopAccepting: () => void,
  endStreams: () => void,
  close: () => Promise<void>,
): () => Promise<void> {
  let drained: Promise<void> | undefined;
  const drain = async () => {
    engine.startDraining();
    stopAccepting();
    // Listen streams would hold the drain to its timeout: they end now, clients reconnect elsewhere.
    endStreams();
    const deadline = Date.now() + timeoutMs;
    while (engine.inflightCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    engine.abortAll('gateway shutting down');
    await close();
  };
  // A second drain (a second signal, a test's clean-up after its own drain) waits for the first.
  return () => {
    drained ??= drain();
    return drained;
  };
}

interface RequestHandlingDeps extends CallFeatureDeps {
  minter: IdentityMinter;
  features: CallFeatures;
  catalog: CatalogParts;
}

/** What answers a request once the engine has it: the dispatcher, behind the stateless handler. */
function requestHandling(deps: RequestHandlingDeps) {
  const { config, logger, state, registry, admission, audit, metrics, minter, serverRequests, catalog } =
    deps;
  const { tasks, inputRequired, approvals, catalogSearch } = deps.features;
  const workflowCatalog = deps.workflows;
  const catalogAdmin = catalog.admin(audit);
  const dispatcher = new Dispatcher({
    metrics,
    registry,
    admission,
    minter,
    providerMux: config.providerMux === 'on',
    sessions: state.sessions,
    serverRequests,
    pageSize: config.pageSize,
    logger,
    workflows: workflowCatalog,
    inputRequired,
    approvals,
    catalogSearch,
    pins: catalog.pins,
    catalogAdmin,
    resultCache: catalog.resultCache,
  });
  const listen = new ListenStreams({
    registry,
    admission,
    maxStreams: config.maxListenStreams,
    maxStreamsPerCaller: config.maxListenStreamsPerCaller,
  });
  const handler = new StatelessHandler(dispatcher, {
    cacheTtlMs: config.cacheTtl,
    headerParams: (tool) => registry.catalog.tools.get(tool)?.headerParams ?? [],
    screen: catalogAdmin.screening(
      headerScreen({
        admission,
        registry,
        workflows: workflowCatalog,
        isLocalTool: (caller, name) => approvals.tools.serves(caller, name),
      }),
    ),
    listen,
    tasks,
    innerCall: (ctx, method, params) => catalogSearch.innerCall(ctx, method, params),
  });
  return { handler, listen };
}

/** Builds the gateway without listening: tests use `app.inject()` or listen on port 0. */
export async function build({
  config,
  providers,
  workflows = [],
  logger,
  awaitStartup,
}: BuildOptions): Promise<Gateway> {
  const minter = await IdentityMinter.create({
    keyFile: config.identityKey,
    jwksOut: config.identityJwksOut,
  });
  const state = await sharedState(config.redisUrl, config.sessionTtl, logger);
  const metrics = new GatewayMetrics();
  const catalog = await catalogParts(config, state, metrics, logger);
  const stopPins = await catalog.start();
  const registry = new ProviderRegistry(providers, logger, catalog.pins);
  registry.on('resourceUpdated', (uri) => catalog.resultCache.invalidate(uri));
  const policy = new PolicyHolder(config.policyFile, logger);
  await policy.start();
  if (!config.policyFile) logger.warn('no MCPFLEET_POLICY_FILE: every call is denied');
  const audit = new AuditLog(config.auditLog, metrics);
  const admission = new Admission(
    policy,
    limiterOf(config, state, metrics, logger),
    new ConcurrencyLimits(config.maxConcurrentPerSession, config.maxConcurrentPerSubject),
    audit,
  );
  const serverRequests = new ServerRequests(state.bus, audit);
  const callDeps: CallFeatureDeps = {
    config,
    logger,
    state,
    registry,
    policy,
    admission,
    audit,
    metrics,
    serverRequests,
    workflows: new WorkflowCatalog(workflows),
  };
  const features = await startCallFeatures(callDeps);
  const { handler, listen } = requestHandling({ ...callDeps, minter, features, catalog });
  const auth = await authenticator(config, logger);
  const engine = new SessionEngine({
    ...state,
    handler,
    serverRequests,
    authenticator: auth,
    registry,
    logger,
    dialects: [statelessDialect, sessionDialect],
  });
  await engine.start();
  const stopListening = listen.start();
  metrics.observe({
    inflight: () => engine.inflightCount,
    connectedSessions: () => engine.connectedSessions,
    providers: () => registry.status(),
  });

  let grpcEdge: Awaited<ReturnType<typeof startGrpcEdge>> | undefined;
  const { app, stopAccepting } = await httpSurface(config, logger, {
    metrics,
    registry,
    authenticator: auth,
    engine,
    state,
    admission,
    grpcPort: () => grpcEdge?.port,
  });

  await registry.start();
  const discovery = discoveryOptions(config);
  const discoveryWatch = discovery ? await startKubeDiscovery(registry, discovery, logger) : undefined;
  registry.finishStartup(config.readyTimeout);
  // The cluster primary hands a worker's share of connections to it as soon as it listens.
  if (awaitStartup) await registry.startupOver;
  grpcEdge = await startGrpc(engine, config, logger);

  const drain = drainer(
    engine,
    config.drainTimeout,
    () => {
      stopAccepting();
      grpcEdge?.stopAccepting();
    },
    async () => {
      listen.endAll();
      stopListening();
    },
    async () => {
      await features.close();
      await grpcEdge?.close();
      await app.close();
      engine.close();
      await discoveryWatch?.stop();
      registry.close();
      stopPins();
      await state.sessions.close();
      await state.close();
      policy.close();
      audit.close();
    },
  );

  return { app, core: engine, registry, minter, policy, listen, grpcPort: grpcEdge?.port, drain };
}
