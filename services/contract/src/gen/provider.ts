import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type {
  CallClientFrame as _mcpfleet_provider_v1_CallClientFrame,
  CallClientFrame__Output as _mcpfleet_provider_v1_CallClientFrame__Output,
} from './mcpfleet/provider/v1/CallClientFrame.js';
import type {
  CallEnd as _mcpfleet_provider_v1_CallEnd,
  CallEnd__Output as _mcpfleet_provider_v1_CallEnd__Output,
} from './mcpfleet/provider/v1/CallEnd.js';
import type {
  CallMuxClientBatch as _mcpfleet_provider_v1_CallMuxClientBatch,
  CallMuxClientBatch__Output as _mcpfleet_provider_v1_CallMuxClientBatch__Output,
} from './mcpfleet/provider/v1/CallMuxClientBatch.js';
import type {
  CallMuxClientFrame as _mcpfleet_provider_v1_CallMuxClientFrame,
  CallMuxClientFrame__Output as _mcpfleet_provider_v1_CallMuxClientFrame__Output,
} from './mcpfleet/provider/v1/CallMuxClientFrame.js';
import type {
  CallMuxServerBatch as _mcpfleet_provider_v1_CallMuxServerBatch,
  CallMuxServerBatch__Output as _mcpfleet_provider_v1_CallMuxServerBatch__Output,
} from './mcpfleet/provider/v1/CallMuxServerBatch.js';
import type {
  CallMuxServerFrame as _mcpfleet_provider_v1_CallMuxServerFrame,
  CallMuxServerFrame__Output as _mcpfleet_provider_v1_CallMuxServerFrame__Output,
} from './mcpfleet/provider/v1/CallMuxServerFrame.js';
import type {
  CallRequest as _mcpfleet_provider_v1_CallRequest,
  CallRequest__Output as _mcpfleet_provider_v1_CallRequest__Output,
} from './mcpfleet/provider/v1/CallRequest.js';
import type {
  CallServerFrame as _mcpfleet_provider_v1_CallServerFrame,
  CallServerFrame__Output as _mcpfleet_provider_v1_CallServerFrame__Output,
} from './mcpfleet/provider/v1/CallServerFrame.js';
import type {
  CallStart as _mcpfleet_provider_v1_CallStart,
  CallStart__Output as _mcpfleet_provider_v1_CallStart__Output,
} from './mcpfleet/provider/v1/CallStart.js';
import type {
  Cancel as _mcpfleet_provider_v1_Cancel,
  Cancel__Output as _mcpfleet_provider_v1_Cancel__Output,
} from './mcpfleet/provider/v1/Cancel.js';
import type {
  CatalogEvent as _mcpfleet_provider_v1_CatalogEvent,
  CatalogEvent__Output as _mcpfleet_provider_v1_CatalogEvent__Output,
} from './mcpfleet/provider/v1/CatalogEvent.js';
import type {
  CatalogItem as _mcpfleet_provider_v1_CatalogItem,
  CatalogItem__Output as _mcpfleet_provider_v1_CatalogItem__Output,
} from './mcpfleet/provider/v1/CatalogItem.js';
import type {
  ClientResponse as _mcpfleet_provider_v1_ClientResponse,
  ClientResponse__Output as _mcpfleet_provider_v1_ClientResponse__Output,
} from './mcpfleet/provider/v1/ClientResponse.js';
import type {
  DescribeRequest as _mcpfleet_provider_v1_DescribeRequest,
  DescribeRequest__Output as _mcpfleet_provider_v1_DescribeRequest__Output,
} from './mcpfleet/provider/v1/DescribeRequest.js';
import type {
  DescribeResponse as _mcpfleet_provider_v1_DescribeResponse,
  DescribeResponse__Output as _mcpfleet_provider_v1_DescribeResponse__Output,
} from './mcpfleet/provider/v1/DescribeResponse.js';
import type {
  Detach as _mcpfleet_provider_v1_Detach,
  Detach__Output as _mcpfleet_provider_v1_Detach__Output,
} from './mcpfleet/provider/v1/Detach.js';
import type {
  Error as _mcpfleet_provider_v1_Error,
  Error__Output as _mcpfleet_provider_v1_Error__Output,
} from './mcpfleet/provider/v1/Error.js';
import type {
  Identity as _mcpfleet_provider_v1_Identity,
  Identity__Output as _mcpfleet_provider_v1_Identity__Output,
} from './mcpfleet/provider/v1/Identity.js';
import type {
  LogMessage as _mcpfleet_provider_v1_LogMessage,
  LogMessage__Output as _mcpfleet_provider_v1_LogMessage__Output,
} from './mcpfleet/provider/v1/LogMessage.js';
import type {
  Progress as _mcpfleet_provider_v1_Progress,
  Progress__Output as _mcpfleet_provider_v1_Progress__Output,
} from './mcpfleet/provider/v1/Progress.js';
import type {
  Result as _mcpfleet_provider_v1_Result,
  Result__Output as _mcpfleet_provider_v1_Result__Output,
} from './mcpfleet/provider/v1/Result.js';
import type {
  ServerRequest as _mcpfleet_provider_v1_ServerRequest,
  ServerRequest__Output as _mcpfleet_provider_v1_ServerRequest__Output,
} from './mcpfleet/provider/v1/ServerRequest.js';
import type {
  ToolProviderClient as _mcpfleet_provider_v1_ToolProviderClient,
  ToolProviderDefinition as _mcpfleet_provider_v1_ToolProviderDefinition,
} from './mcpfleet/provider/v1/ToolProvider.js';
import type {
  WatchCatalogRequest as _mcpfleet_provider_v1_WatchCatalogRequest,
  WatchCatalogRequest__Output as _mcpfleet_provider_v1_WatchCatalogRequest__Output,
} from './mcpfleet/provider/v1/WatchCatalogRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  mcpfleet: {
    provider: {
      v1: {
        CallClientFrame: MessageTypeDefinition<
          _mcpfleet_provider_v1_CallClientFrame,
          _mcpfleet_provider_v1_CallClientFrame__Output
        >;
        CallEnd: MessageTypeDefinition<_mcpfleet_provider_v1_CallEnd, _mcpfleet_provider_v1_CallEnd__Output>;
        CallMuxClientBatch: MessageTypeDefinition<
          _mcpfleet_provider_v1_CallMuxClientBatch,
          _mcpfleet_provider_v1_CallMuxClientBatch__Output
        >;
        CallMuxClientFrame: MessageTypeDefinition<
          _mcpfleet_provider_v1_CallMuxClientFrame,
          _mcpfleet_provider_v1_CallMuxClientFrame__Output
        >;
        CallMuxServerBatch: MessageTypeDefinition<
          _mcpfleet_provider_v1_CallMuxServerBatch,
          _mcpfleet_provider_v1_CallMuxServerBatch__Output
        >;
        CallMuxServerFrame: MessageTypeDefinition<
          _mcpfleet_provider_v1_CallMuxServerFrame,
          _mcpfleet_provider_v1_CallMuxServerFrame__Output
        >;
        CallRequest: MessageTypeDefinition<
          _mcpfleet_provider_v1_CallRequest,
          _mcpfleet_provider_v1_CallRequest__Output
        >;
        CallServerFrame: MessageTypeDefinition<
          _mcpfleet_provider_v1_CallServerFrame,
          _mcpfleet_provider_v1_CallServerFrame__Output
        >;
        CallStart: MessageTypeDefinition<
          _mcpfleet_provider_v1_CallStart,
          _mcpfleet_provider_v1_CallStart__Output
        >;
        Cancel: MessageTypeDefinition<_mcpfleet_provider_v1_Cancel, _mcpfleet_provider_v1_Cancel__Output>;
        CatalogEvent: MessageTypeDefinition<
          _mcpfleet_provider_v1_CatalogEvent,
          _mcpfleet_provider_v1_CatalogEvent__Output
        >;
        CatalogItem: MessageTypeDefinition<
          _mcpfleet_provider_v1_CatalogItem,
          _mcpfleet_provider_v1_CatalogItem__Output
        >;
        ClientResponse: MessageTypeDefinition<
          _mcpfleet_provider_v1_ClientResponse,
          _mcpfleet_provider_v1_ClientResponse__Output
        >;
        DescribeRequest: MessageTypeDefinition<
          _mcpfleet_provider_v1_DescribeRequest,
          _mcpfleet_provider_v1_DescribeRequest__Output
        >;
        DescribeResponse: MessageTypeDefinition<
          _mcpfleet_provider_v1_DescribeResponse,
          _mcpfleet_provider_v1_DescribeResponse__Output
        >;
        Detach: MessageTypeDefinition<_mcpfleet_provider_v1_Detach, _mcpfleet_provider_v1_Detach__Output>;
        Error: MessageTypeDefinition<_mcpfleet_provider_v1_Error, _mcpfleet_provider_v1_Error__Output>;
        Identity: MessageTypeDefinition<
          _mcpfleet_provider_v1_Identity,
          _mcpfleet_provider_v1_Identity__Output
        >;
        LogMessage: MessageTypeDefinition<
          _mcpfleet_provider_v1_LogMessage,
          _mcpfleet_provider_v1_LogMessage__Output
        >;
        Progress: MessageTypeDefinition<
          _mcpfleet_provider_v1_Progress,
          _mcpfleet_provider_v1_Progress__Output
        >;
        Result: MessageTypeDefinition<_mcpfleet_provider_v1_Result, _mcpfleet_provider_v1_Result__Output>;
        ServerRequest: MessageTypeDefinition<
          _mcpfleet_provider_v1_ServerRequest,
          _mcpfleet_provider_v1_ServerRequest__Output
        >;
        ToolProvider: SubtypeConstructor<typeof grpc.Client, _mcpfleet_provider_v1_ToolProviderClient> & {
          service: _mcpfleet_provider_v1_ToolProviderDefinition;
        };
        WatchCatalogRequest: MessageTypeDefinition<
          _mcpfleet_provider_v1_WatchCatalogRequest,
          _mcpfleet_provider_v1_WatchCatalogRequest__Output
        >;
      };
    };
  };
}
