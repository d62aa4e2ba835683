// Original file: proto/mcpfleet/provider/v1/provider.proto

import type {
  CallStart as _mcpfleet_provider_v1_CallStart,
  CallStart__Output as _mcpfleet_provider_v1_CallStart__Output,
} from '../../../mcpfleet/provider/v1/CallStart.js';
import type {
  Cancel as _mcpfleet_provider_v1_Cancel,
  Cancel__Output as _mcpfleet_provider_v1_Cancel__Output,
} from '../../../mcpfleet/provider/v1/Cancel.js';
import type {
  ClientResponse as _mcpfleet_provider_v1_ClientResponse,
  ClientResponse__Output as _mcpfleet_provider_v1_ClientResponse__Output,
} from '../../../mcpfleet/provider/v1/ClientResponse.js';

export interface CallMuxClientFrame {
  /**
   * Unique among the stream's calls in flight; never 0.
   */
  callId?: number;
  start?: _mcpfleet_provider_v1_CallStart | null;
  cancel?: _mcpfleet_provider_v1_Cancel | null;
  response?: _mcpfleet_provider_v1_ClientResponse | null;
  frame?: 'start' | 'cancel' | 'response';
}

export interface CallMuxClientFrame__Output {
  /**
   * Unique among the stream's calls in flight; never 0.
   */
  callId: number;
  start?: _mcpfleet_provider_v1_CallStart__Output | null;
  cancel?: _mcpfleet_provider_v1_Cancel__Output | null;
  response?: _mcpfleet_provider_v1_ClientResponse__Output | null;
  frame?: 'start' | 'cancel' | 'response';
}
