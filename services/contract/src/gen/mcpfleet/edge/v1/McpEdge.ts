// Original file: proto/mcpfleet/edge/v1/edge.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  JsonRpcFrame as _mcpfleet_edge_v1_JsonRpcFrame,
  JsonRpcFrame__Output as _mcpfleet_edge_v1_JsonRpcFrame__Output,
} from '../../../mcpfleet/edge/v1/JsonRpcFrame.js';

export interface McpEdgeClient extends grpc.Client {
  Session(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_mcpfleet_edge_v1_JsonRpcFrame, _mcpfleet_edge_v1_JsonRpcFrame__Output>;
  Session(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_mcpfleet_edge_v1_JsonRpcFrame, _mcpfleet_edge_v1_JsonRpcFrame__Output>;
  session(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_mcpfleet_edge_v1_JsonRpcFrame, _mcpfleet_edge_v1_JsonRpcFrame__Output>;
  session(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_mcpfleet_edge_v1_JsonRpcFrame, _mcpfleet_edge_v1_JsonRpcFrame__Output>;
}

export interface McpEdgeHandlers extends grpc.UntypedServiceImplementation {
  Session: grpc.handleBidiStreamingCall<
    _mcpfleet_edge_v1_JsonRpcFrame__Output,
    _mcpfleet_edge_v1_JsonRpcFrame
  >;
}

export interface McpEdgeDefinition extends grpc.ServiceDefinition {
  Session: MethodDefinition<
    _mcpfleet_edge_v1_JsonRpcFrame,
    _mcpfleet_edge_v1_JsonRpcFrame,
    _mcpfleet_edge_v1_JsonRpcFrame__Output,
    _mcpfleet_edge_v1_JsonRpcFrame__Output
  >;
}
