export { INPUT_KEY_META, type LogLevel, type ToolCacheDeclaration, withInputKey } from '@mcp-fleet/contract';
export {
  ConfigError,
  type ConfigOf,
  type ConfigSource,
  type ConfigSpec,
  childSpan,
  compileUriTemplate,
  configUsage,
  contextFromMetadata,
  createLogger,
  drainOnSignals,
  errorMessage,
  type FieldSpec,
  failSpan,
  injectIntoMetadata,
  jwksFromFile,
  type KeySource,
  type ListenAddress,
  parseConfig,
  parseDuration,
  parseListen,
  processConfigSpec,
  startTelemetry,
  traceFields,
  tracer,
  type UriTemplate,
} from '@mcp-fleet/runtime';
export { DESTRUCTIVE, IDEMPOTENT_WRITE, READ_ONLY, WRITE } from './annotations.js';
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
export {
  CallAbortedError,
  DefinitionError,
  ErrorCode,
  Errors,
  FleetError,
  invalidParams,
  methodNotFound,
} from './errors.js';
export {
  createIdentityVerifier,
  IdentityError,
  type IdentityVerifier,
  type IdentityVerifierOptions,
} from './identity.js';
export { metricsRegistry, observeCall, serveMetrics } from './metrics.js';
export { type BaseConfig, baseConfigSpec, type RunProviderOptions, runProvider } from './run.js';
export {
  PROVIDER_SERVICE,
  type ProviderHandle,
  type ProviderSpec,
  type ServeOptions,
  serveProvider,
} from './server.js';
