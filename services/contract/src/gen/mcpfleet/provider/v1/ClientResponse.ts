// Original file: proto/mcpfleet/provider/v1/provider.proto

import type {
  Error as _mcpfleet_provider_v1_Error,
  Error__Output as _mcpfleet_provider_v1_Error__Output,
} from '../../../mcpfleet/provider/v1/Error.js';

/**
 * The client's answer to a ServerRequest with the same id.
 */
export interface ClientResponse {
  id?: number;
  resultJson?: Buffer | Uint8Array | string;
  error?: _mcpfleet_provider_v1_Error | null;
  outcome?: 'resultJson' | 'error';
}

/**
 * The client's answer to a ServerRequest with the same id.
 */
export interface ClientResponse__Output {
  id: number;
  resultJson?: Buffer;
  error?: _mcpfleet_provider_v1_Error__Output | null;
  outcome?: 'resultJson' | 'error';
}
