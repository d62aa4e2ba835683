import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './gen/provider.js';

/** The repository's proto/ folder; images keep the same layout next to services/. */
export const PROTO_DIR = fileURLToPath(new URL('../../../../proto/', import.meta.url));

export const PROVIDER_PROTO = 'mcpfleet/provider/v1/provider.proto';

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

/** Loads the provider contract once per process. */
export function loadProviderProto(): ProtoGrpcType {
  if (!cached) {
    const definition = protoLoader.loadSync(PROVIDER_PROTO, LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}
