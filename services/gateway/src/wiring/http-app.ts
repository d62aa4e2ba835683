import { FleetError } from '@mcp-fleet/contract';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type Authenticator, RESOURCE_METADATA_PATH } from '../auth/authenticator.js';
import type { ProviderRegistry } from '../catalog/registry.js';
import type { SessionEngine } from '../engine/engine.js';
import { refusals } from '../protocol/errors.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { baseUrlOf, sendFleetError } from '../transports/http-exchange.js';
import type { CheckOrigin } from '../transports/origin.js';
import type { SharedState } from './shared-state.js';

/** Fastify's own errors as the FleetErrors the transports answer with. */
function transportError(
  err: { code?: string; statusCode?: number; message: string },
  bodyLimit: number,
): FleetError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return refusals.tooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return refusals.unsupportedMediaType();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return refusals.parse('empty body');
    default:
      return refusals.internal(err.message, err.statusCode && err.statusCode >= 400 ? err.statusCode : 500);
  }
}

/** The HTTP server: bodies kept as bytes (the engine parses them), every failure a JSON-RPC error. */
export function httpApp(bodyLimit: number, logger: Logger): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((err, _request, reply) => {
    const error =
      err instanceof FleetError
        ? err
        : transportError(err as Parameters<typeof transportError>[0], bodyLimit);
    if (error.httpStatus >= 500) logger.error({ err }, 'request failed');
    return sendFleetError(reply, error);
  });
  return app;
}

export interface OperationsDeps {
  metrics: GatewayMetrics;
  registry: ProviderRegistry;
  authenticator: Authenticator;
  engine: SessionEngine;
  state: SharedState;
  grpcPort: () => number | undefined;
  /** The /mcp edge's Host allow-list: the metadata names only a host it serves. */
  checkOrigin: CheckOrigin;
}

/** Health, readiness, metrics and the RFC 9728 metadata: the routes operators and clients discover. */
export function registerOperations(app: FastifyInstance, deps: OperationsDeps): void {
  const { metrics, registry, authenticator, engine, state } = deps;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.text()),
  );
  // RFC 9728: at the root, and with the resource path inserted for the /mcp resource.
  for (const path of [RESOURCE_METADATA_PATH, `${RESOURCE_METADATA_PATH}/mcp`]) {
    app.get(path, async (request) => {
      deps.checkOrigin(request.headers.host, undefined);
      return authenticator.resourceMetadata(baseUrlOf(request));
    });
  }
  // Ready once start-up is over: every provider delivered its first catalog or failed for good,
  // or the start-up timeout passed. A provider going down later is reported, never made a reason
  // for 503: every replica sees the same provider down, so all of them would leave the Service
  // together and one provider's outage would take every other provider's tools with it; its own
  // tools answer Unavailable meanwhile. Conflicts, Redis and draining concern this replica itself.
  app.get('/readyz', async (_request, reply) => {
    const conflicts = registry.catalog.conflicts;
    const redis = state.redis ? state.redis.status : 'not configured';
    const startup = registry.startupPhase;
    const draining = engine.draining;
    const ready =
      !draining && startup !== 'waiting' && conflicts.length === 0 && (!state.redis || redis === 'ready');
    return reply.code(ready ? 200 : 503).send({
      ready,
      draining,
      startup,
      conflicts,
      redis,
      grpcPort: deps.grpcPort(),
      providers: registry.status(),
    });
  });
}
