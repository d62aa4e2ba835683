export {
  type ConfigOf,
  type ConfigSource,
  type ConfigSpec,
  configUsage,
  type FieldSpec,
  type ListenAddress,
  parseConfig,
  parseDuration,
  parseListen,
} from './config.js';
export { ConfigError, errorMessage } from './errors.js';
export { InflightTable } from './inflight-table.js';
export { type JsonObject, stringParam } from './json.js';
export { type JwksLogger, jwksFromFile, type KeySource } from './jwks.js';
export { drainOnSignals, processConfigSpec } from './lifecycle.js';
export { callListener } from './listeners.js';
export { createLogger, traceFields } from './logger.js';
export { setIfCarried } from './metadata.js';
export {
  childSpan,
  contextFromMetadata,
  failSpan,
  injectIntoMetadata,
  readTraceFields,
  startTelemetry,
  tracer,
} from './telemetry.js';
export { compileUriTemplate, type UriTemplate } from './uri-template.js';
export { isCanonicalJws, VerifiedCache } from './verified-cache.js';
