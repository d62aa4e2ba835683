// Original file: proto/mcpfleet/provider/v1/provider.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  CallClientFrame as _mcpfleet_provider_v1_CallClientFrame,
  CallClientFrame__Output as _mcpfleet_provider_v1_CallClientFrame__Output,
} from '../../../mcpfleet/provider/v1/CallClientFrame.js';
import type {
  CallMuxClientBatch as _mcpfleet_provider_v1_CallMuxClientBatch,
  CallMuxClientBatch__Output as _mcpfleet_provider_v1_CallMuxClientBatch__Output,
} from '../../../mcpfleet/provider/v1/CallMuxClientBatch.js';
import type {
  CallMuxServerBatch as _mcpfleet_provider_v1_CallMuxServerBatch,
  CallMuxServerBatch__Output as _mcpfleet_provider_v1_CallMuxServerBatch__Output,
} from '../../../mcpfleet/provider/v1/CallMuxServerBatch.js';
import type {
  CallServerFrame as _mcpfleet_provider_v1_CallServerFrame,
  CallServerFrame__Output as _mcpfleet_provider_v1_CallServerFrame__Output,
} from '../../../mcpfleet/provider/v1/CallServerFrame.js';
import type {
  CatalogEvent as _mcpfleet_provider_v1_CatalogEvent,
  CatalogEvent__Output as _mcpfleet_provider_v1_CatalogEvent__Output,
} from '../../../mcpfleet/provider/v1/CatalogEvent.js';
import type {
  DescribeRequest as _mcpfleet_provider_v1_DescribeRequest,
  DescribeRequest__Output as _mcpfleet_provider_v1_DescribeRequest__Output,
} from '../../../mcpfleet/provider/v1/DescribeRequest.js';
import type {
  DescribeResponse as _mcpfleet_provider_v1_DescribeResponse,
  DescribeResponse__Output as _mcpfleet_provider_v1_DescribeResponse__Output,
} from '../../../mcpfleet/provider/v1/DescribeResponse.js';
import type {
  WatchCatalogRequest as _mcpfleet_provider_v1_WatchCatalogRequest,
  WatchCatalogRequest__Output as _mcpfleet_provider_v1_WatchCatalogRequest__Output,
} from '../../../mcpfleet/provider/v1/WatchCatalogRequest.js';

export interface ToolProviderClient extends grpc.Client {
  /**
   * One MCP request (tools/call, resources/read, prompts/get, completion/complete).
   * The client sends exactly one `request` frame first, then any number of `cancel` and
   * `response` frames. The provider streams progress, log and server->client request frames and
   * ends with exactly one `result` or `error` frame, then status OK.
   */
  Call(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _mcpfleet_provider_v1_CallClientFrame,
    _mcpfleet_provider_v1_CallServerFrame__Output
  >;
  Call(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _mcpfleet_provider_v1_CallClientFrame,
    _mcpfleet_provider_v1_CallServerFrame__Output
  >;
  /**
   * One MCP request (tools/call, resources/read, prompts/get, completion/complete).
   * The client sends exactly one `request` frame first, then any number of `cancel` and
   * `response` frames. The provider streams progress, log and server->client request frames and
   * ends with exactly one `result` or `error` frame, then status OK.
   */
  call(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _mcpfleet_provider_v1_CallClientFrame,
    _mcpfleet_provider_v1_CallServerFrame__Output
  >;
  call(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _mcpfleet_provider_v1_CallClientFrame,
    _mcpfleet_provider_v1_CallServerFrame__Output
  >;

  /**
   * Many calls on one long-lived stream, each tagged with a call id chosen by the client: the
   * same frames as Call, with what Call carries as gRPC metadata and status moved into frames.
   * A call begins with `start` and ends with exactly one server frame that is `result`, `error`
   * or `end`; a new call id may follow at any time, and frames of different calls interleave.
   * Each message carries the frames its sender had ready in one turn (1 to 1,024, in order):
   * a message costs both sides far more than a frame, so calls that meet share one. A message
   * without frames or with more ends the stream (INVALID_ARGUMENT from a provider).
   * A provider that does not serve CallBatches answers UNIMPLEMENTED: the client then uses Call.
   * (It replaces Calls, the same stream with one frame a message, which nothing serves any more.)
   */
  CallBatches(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _mcpfleet_provider_v1_CallMuxClientBatch,
    _mcpfleet_provider_v1_CallMuxServerBatch__Output
  >;
  CallBatches(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _mcpfleet_provider_v1_CallMuxClientBatch,
    _mcpfleet_provider_v1_CallMuxServerBatch__Output
  >;
  /**
   * Many calls on one long-lived stream, each tagged with a call id chosen by the client: the
   * same frames as Call, with what Call carries as gRPC metadata and status moved into frames.
   * A call begins with `start` and ends with exactly one server frame that is `result`, `error`
   * or `end`; a new call id may follow at any time, and frames of different calls interleave.
   * Each message carries the frames its sender had ready in one turn (1 to 1,024, in order):
   * a message costs both sides far more than a frame, so calls that meet share one. A message
   * without frames or with more ends the stream (INVALID_ARGUMENT from a provider).
   * A provider that does not serve CallBatches answers UNIMPLEMENTED: the client then uses Call.
   * (It replaces Calls, the same stream with one frame a message, which nothing serves any more.)
   */
  callBatches(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _mcpfleet_provider_v1_CallMuxClientBatch,
    _mcpfleet_provider_v1_CallMuxServerBatch__Output
  >;
  callBatches(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<
    _mcpfleet_provider_v1_CallMuxClientBatch,
    _mcpfleet_provider_v1_CallMuxServerBatch__Output
  >;

  /**
   * The provider's identity and full catalog.
   */
  Describe(
    argument: _mcpfleet_provider_v1_DescribeRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mcpfleet_provider_v1_DescribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  Describe(
    argument: _mcpfleet_provider_v1_DescribeRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mcpfleet_provider_v1_DescribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  Describe(
    argument: _mcpfleet_provider_v1_DescribeRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mcpfleet_provider_v1_DescribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  Describe(
    argument: _mcpfleet_provider_v1_DescribeRequest,
    callback: grpc.requestCallback<_mcpfleet_provider_v1_DescribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * The provider's identity and full catalog.
   */
  describe(
    argument: _mcpfleet_provider_v1_DescribeRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mcpfleet_provider_v1_DescribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  describe(
    argument: _mcpfleet_provider_v1_DescribeRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_mcpfleet_provider_v1_DescribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  describe(
    argument: _mcpfleet_provider_v1_DescribeRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_mcpfleet_provider_v1_DescribeResponse__Output>,
  ): grpc.ClientUnaryCall;
  describe(
    argument: _mcpfleet_provider_v1_DescribeRequest,
    callback: grpc.requestCallback<_mcpfleet_provider_v1_DescribeResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * A stream of catalog changes and resource updates; the first event is the current revision.
   */
  WatchCatalog(
    argument: _mcpfleet_provider_v1_WatchCatalogRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_mcpfleet_provider_v1_CatalogEvent__Output>;
  WatchCatalog(
    argument: _mcpfleet_provider_v1_WatchCatalogRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_mcpfleet_provider_v1_CatalogEvent__Output>;
  /**
   * A stream of catalog changes and resource updates; the first event is the current revision.
   */
  watchCatalog(
    argument: _mcpfleet_provider_v1_WatchCatalogRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_mcpfleet_provider_v1_CatalogEvent__Output>;
  watchCatalog(
    argument: _mcpfleet_provider_v1_WatchCatalogRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_mcpfleet_provider_v1_CatalogEvent__Output>;
}

export interface ToolProviderHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One MCP request (tools/call, resources/read, prompts/get, completion/complete).
   * The client sends exactly one `request` frame first, then any number of `cancel` and
   * `response` frames. The provider streams progress, log and server->client request frames and
   * ends with exactly one `result` or `error` frame, then status OK.
   */
  Call: grpc.handleBidiStreamingCall<
    _mcpfleet_provider_v1_CallClientFrame__Output,
    _mcpfleet_provider_v1_CallServerFrame
  >;

  /**
   * Many calls on one long-lived stream, each tagged with a call id chosen by the client: the
   * same frames as Call, with what Call carries as gRPC metadata and status moved into frames.
   * A call begins with `start` and ends with exactly one server frame that is `result`, `error`
   * or `end`; a new call id may follow at any time, and frames of different calls interleave.
   * Each message carries the frames its sender had ready in one turn (1 to 1,024, in order):
   * a message costs both sides far more than a frame, so calls that meet share one. A message
   * without frames or with more ends the stream (INVALID_ARGUMENT from a provider).
   * A provider that does not serve CallBatches answers UNIMPLEMENTED: the client then uses Call.
   * (It replaces Calls, the same stream with one frame a message, which nothing serves any more.)
   */
  CallBatches: grpc.handleBidiStreamingCall<
    _mcpfleet_provider_v1_CallMuxClientBatch__Output,
    _mcpfleet_provider_v1_CallMuxServerBatch
  >;

  /**
   * The provider's identity and full catalog.
   */
  Describe: grpc.handleUnaryCall<
    _mcpfleet_provider_v1_DescribeRequest__Output,
    _mcpfleet_provider_v1_DescribeResponse
  >;

  /**
   * A stream of catalog changes and resource updates; the first event is the current revision.
   */
  WatchCatalog: grpc.handleServerStreamingCall<
    _mcpfleet_provider_v1_WatchCatalogRequest__Output,
    _mcpfleet_provider_v1_CatalogEvent
  >;
}

export interface ToolProviderDefinition extends grpc.ServiceDefinition {
  Call: MethodDefinition<
    _mcpfleet_provider_v1_CallClientFrame,
    _mcpfleet_provider_v1_CallServerFrame,
    _mcpfleet_provider_v1_CallClientFrame__Output,
    _mcpfleet_provider_v1_CallServerFrame__Output
  >;
  CallBatches: MethodDefinition<
    _mcpfleet_provider_v1_CallMuxClientBatch,
    _mcpfleet_provider_v1_CallMuxServerBatch,
    _mcpfleet_provider_v1_CallMuxClientBatch__Output,
    _mcpfleet_provider_v1_CallMuxServerBatch__Output
  >;
  Describe: MethodDefinition<
    _mcpfleet_provider_v1_DescribeRequest,
    _mcpfleet_provider_v1_DescribeResponse,
    _mcpfleet_provider_v1_DescribeRequest__Output,
    _mcpfleet_provider_v1_DescribeResponse__Output
  >;
  WatchCatalog: MethodDefinition<
    _mcpfleet_provider_v1_WatchCatalogRequest,
    _mcpfleet_provider_v1_CatalogEvent,
    _mcpfleet_provider_v1_WatchCatalogRequest__Output,
    _mcpfleet_provider_v1_CatalogEvent__Output
  >;
}
