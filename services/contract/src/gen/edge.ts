import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type {
  JsonRpcFrame as _mcpfleet_edge_v1_JsonRpcFrame,
  JsonRpcFrame__Output as _mcpfleet_edge_v1_JsonRpcFrame__Output,
} from './mcpfleet/edge/v1/JsonRpcFrame.js';
import type {
  McpEdgeClient as _mcpfleet_edge_v1_McpEdgeClient,
  McpEdgeDefinition as _mcpfleet_edge_v1_McpEdgeDefinition,
} from './mcpfleet/edge/v1/McpEdge.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  mcpfleet: {
    edge: {
      v1: {
        JsonRpcFrame: MessageTypeDefinition<
          _mcpfleet_edge_v1_JsonRpcFrame,
          _mcpfleet_edge_v1_JsonRpcFrame__Output
        >;
        McpEdge: SubtypeConstructor<typeof grpc.Client, _mcpfleet_edge_v1_McpEdgeClient> & {
          service: _mcpfleet_edge_v1_McpEdgeDefinition;
        };
      };
    };
  };
}
