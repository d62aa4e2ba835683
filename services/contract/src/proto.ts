import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { batchRefusal, refusedBatch } from './frame-batch.js';
import type { ProtoGrpcType as EdgeGrpcType } from './gen/edge.js';
import type { ProtoGrpcType } from './gen/provider.js';

/** The repository's proto/ folder; images keep the same layout next to services/. */
export const PROTO_DIR = fileURLToPath(new URL('../../../../proto/', import.meta.url));

export const PROVIDER_PROTO = 'mcpfleet/provider/v1/provider.proto';
export const EDGE_PROTO = 'mcpfleet/edge/v1/edge.proto';

/**
 * Loader options shared by both ends of the contract and by scripts/gen-proto.sh
 * (camelCase fields, string enums, defaults filled in, virtual `frame`/`event` oneof fields).
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let cached: ProtoGrpcType | undefined;
let cachedEdge: EdgeGrpcType | undefined;

/**
 * CallBatches messages are counted before they are decoded (batchRefusal). A provider's stream
 * gets a refused one as a batch that says why (and ends with INVALID_ARGUMENT, the caller's
 * fault); a gateway's stream fails reading it, as for any message it cannot parse.
 */
function guardBatches(definition: protoLoader.PackageDefinition): void {
  const service = definition['mcpfleet.provider.v1.ToolProvider'] as Record<
    string,
    grpc.MethodDefinition<unknown, unknown>
  >;
  const method = service.CallBatches;
  if (!method) throw new Error(`${PROVIDER_PROTO} has no CallBatches method`);
  service.CallBatches = {
    ...method,
    requestDeserialize: (bytes: Buffer) => {
      const refusal = batchRefusal(bytes);
      return refusal ? refusedBatch(refusal) : method.requestDeserialize(bytes);
    },
    responseDeserialize: (bytes: Buffer) => {
      const refusal = batchRefusal(bytes);
      if (refusal) throw new Error(refusal);
      return method.responseDeserialize(bytes);
    },
  };
}

/** Loads the provider contract once per process. */
export function loadProviderProto(): ProtoGrpcType {
  if (!cached) {
    const definition = protoLoader.loadSync(PROVIDER_PROTO, LOADER_OPTIONS);
    guardBatches(definition);
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}

/** Loads the gateway's gRPC edge contract once per process. */
export function loadEdgeProto(): EdgeGrpcType {
  if (!cachedEdge) {
    cachedEdge = grpc.loadPackageDefinition(
      protoLoader.loadSync(EDGE_PROTO, LOADER_OPTIONS),
    ) as unknown as EdgeGrpcType;
  }
  return cachedEdge;
}

/** The edge proto's package definition, for server reflection. */
export function edgePackageDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(EDGE_PROTO, LOADER_OPTIONS);
}
