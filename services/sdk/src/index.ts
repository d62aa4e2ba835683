export type { LogLevel } from '@mcp-fleet/contract';
export { DESTRUCTIVE, IDEMPOTENT_WRITE, READ_ONLY, WRITE } from './annotations.js';
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
export {
  type CallToolResult,
  type Completer,
  type ContentBlock,
  type Definition,
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
  type GetPromptResult,
  type HandlerContext,
  type Identity,
  type JsonObject,
  type PromptDefinition,
  type ReadResourceResult,
  type ResourceContents,
  type ResourceDefinition,
  type ResourceTemplateDefinition,
  type ToolAnnotations,
  type ToolDefinition,
} from './define.js';
export { CallAbortedError, ConfigError, DefinitionError, errorMessage, ProtocolError } from './errors.js';
export {
  createIdentityVerifier,
  IdentityError,
  type IdentityVerifier,
  type IdentityVerifierOptions,
  jwksFromFile,
  type KeySource,
} from './identity.js';
export { drainOnSignals, processConfigSpec } from './lifecycle.js';
export { createLogger, traceFields } from './logger.js';
export { metricsRegistry, observeCall, serveMetrics } from './metrics.js';
export { type BaseConfig, baseConfigSpec, type RunProviderOptions, runProvider } from './run.js';
export {
  PROVIDER_SERVICE,
  type ProviderHandle,
  type ProviderSpec,
  type ServeOptions,
  serveProvider,
} from './server.js';
export {
  childSpan,
  contextFromMetadata,
  failSpan,
  injectIntoMetadata,
  startTelemetry,
  tracer,
} from './telemetry.js';
export { compileUriTemplate, type UriTemplate } from './uri-template.js';
