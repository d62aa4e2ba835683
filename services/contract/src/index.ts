export { CACHE_HIT_META, CACHE_META, type ToolCacheDeclaration } from './cache-meta.js';
export { createProviderClient, type ProviderClientOptions } from './client.js';
export {
  ErrorCode,
  type ErrorCodeValue,
  type ErrorEntry,
  type ErrorName,
  Errors,
  errorEntryOf,
  FleetError,
  type FleetErrorOptions,
  GrpcStatus,
  type GrpcStatusValue,
  isKnownErrorCode,
  type WireError,
} from './errors.js';
export {
  batchRefusal,
  FrameBatcher,
  MAX_BATCH_BYTES,
  MAX_BATCH_FRAMES,
  refusalOf,
} from './frame-batch.js';
export type { JsonRpcFrame, JsonRpcFrame__Output } from './gen/mcpfleet/edge/v1/JsonRpcFrame.js';
export type { McpEdgeClient, McpEdgeHandlers } from './gen/mcpfleet/edge/v1/McpEdge.js';
export type { CallClientFrame, CallClientFrame__Output } from './gen/mcpfleet/provider/v1/CallClientFrame.js';
export type {
  CallMuxClientBatch,
  CallMuxClientBatch__Output,
} from './gen/mcpfleet/provider/v1/CallMuxClientBatch.js';
export type {
  CallMuxClientFrame,
  CallMuxClientFrame__Output,
} from './gen/mcpfleet/provider/v1/CallMuxClientFrame.js';
export type {
  CallMuxServerBatch,
  CallMuxServerBatch__Output,
} from './gen/mcpfleet/provider/v1/CallMuxServerBatch.js';
export type {
  CallMuxServerFrame,
  CallMuxServerFrame__Output,
} from './gen/mcpfleet/provider/v1/CallMuxServerFrame.js';
export type { CallRequest__Output } from './gen/mcpfleet/provider/v1/CallRequest.js';
export type { CallServerFrame, CallServerFrame__Output } from './gen/mcpfleet/provider/v1/CallServerFrame.js';
export type { CatalogEvent, CatalogEvent__Output } from './gen/mcpfleet/provider/v1/CatalogEvent.js';
export type { CatalogItem, CatalogItem__Output } from './gen/mcpfleet/provider/v1/CatalogItem.js';
export type {
  DescribeResponse,
  DescribeResponse__Output,
} from './gen/mcpfleet/provider/v1/DescribeResponse.js';
export type { Error as FrameError } from './gen/mcpfleet/provider/v1/Error.js';
export type {
  ToolProviderClient,
  ToolProviderDefinition,
  ToolProviderHandlers,
} from './gen/mcpfleet/provider/v1/ToolProvider.js';
export { INPUT_KEY_META, withInputKey } from './input-key.js';
export {
  isLogLevel,
  LOG_LEVELS,
  type LogLevel,
  type LogThreshold,
  logLevelPasses,
  NO_LOGS,
} from './jsonrpc.js';
export {
  EDGE_PROTO,
  edgePackageDefinition,
  LOADER_OPTIONS,
  loadEdgeProto,
  loadProviderProto,
  PROTO_DIR,
  PROVIDER_PROTO,
} from './proto.js';
export { TASK_AFTER_INPUT_META, TASK_SUPPORTS, type TaskSupport } from './task-support.js';
