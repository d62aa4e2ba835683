import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { type GatewayConfig, splitList } from '../config.js';
import { ResultCache } from '../result-cache/result-cache.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { SharedState } from '../wiring/shared-state.js';
import { CatalogAdmin } from './catalog-admin.js';
import { PinGate } from './pin-gate.js';
import { pinDefaults } from './pin-settings.js';
import { LocalPinStore, type PinStore, RedisPinStore } from './pin-store.js';

/** Pinned definitions and the result cache, built from the config before the registry. */
export interface CatalogParts {
  pins: PinGate;
  resultCache: ResultCache;
  /** The fleet_catalog_* tools, once the audit log exists. */
  admin(audit: AuditLog): CatalogAdmin;
  /** Follows accepts of other replicas; resolves with the function that stops it. */
  start(): Promise<() => void>;
}

/** Pins in Redis when replicas share it, else in the pins file (or, without one, in memory). */
async function pinStore(config: GatewayConfig, state: SharedState, logger: Logger): Promise<PinStore> {
  if (state.redis) return new RedisPinStore(state.redis, config.catalogKeyPrefix);
  if (!config.pinsFile && config.pinning !== 'off')
    logger.warn('no Redis and no MCPFLEET_PINS_FILE: tool pins last only as long as this process');
  return LocalPinStore.open(config.pinsFile);
}

export async function catalogParts(
  config: GatewayConfig,
  state: SharedState,
  metrics: GatewayMetrics,
  logger: Logger,
): Promise<CatalogParts> {
  const pins = new PinGate({
    store: await pinStore(config, state, logger),
    bus: state.bus,
    channel: `${config.catalogKeyPrefix}pins-accepted`,
    defaults: pinDefaults(config),
    logger,
    registry: metrics.registry,
  });
  const resultCache = new ResultCache({
    maxEntries: config.resultCacheEntries,
    maxBytes: config.resultCacheBytes,
    maxTtlMs: config.resultCacheMaxTtl,
    registry: metrics.registry,
  });
  const operatorRoles = new Set(splitList(config.catalogOperatorRoles));
  return {
    pins,
    resultCache,
    admin: (audit) => new CatalogAdmin(pins, operatorRoles, audit),
    start: () => pins.start(),
  };
}
