// Original file: proto/mcpfleet/provider/v1/provider.proto

import type {
  CallRequest as _mcpfleet_provider_v1_CallRequest,
  CallRequest__Output as _mcpfleet_provider_v1_CallRequest__Output,
} from '../../../mcpfleet/provider/v1/CallRequest.js';
import type {
  Cancel as _mcpfleet_provider_v1_Cancel,
  Cancel__Output as _mcpfleet_provider_v1_Cancel__Output,
} from '../../../mcpfleet/provider/v1/Cancel.js';
import type {
  ClientResponse as _mcpfleet_provider_v1_ClientResponse,
  ClientResponse__Output as _mcpfleet_provider_v1_ClientResponse__Output,
} from '../../../mcpfleet/provider/v1/ClientResponse.js';

export interface CallClientFrame {
  request?: _mcpfleet_provider_v1_CallRequest | null;
  cancel?: _mcpfleet_provider_v1_Cancel | null;
  response?: _mcpfleet_provider_v1_ClientResponse | null;
  frame?: 'request' | 'cancel' | 'response';
}

export interface CallClientFrame__Output {
  request?: _mcpfleet_provider_v1_CallRequest__Output | null;
  cancel?: _mcpfleet_provider_v1_Cancel__Output | null;
  response?: _mcpfleet_provider_v1_ClientResponse__Output | null;
  frame?: 'request' | 'cancel' | 'response';
}
