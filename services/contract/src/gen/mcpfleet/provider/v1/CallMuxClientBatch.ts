// Original file: proto/mcpfleet/provider/v1/provider.proto

import type {
  CallMuxClientFrame as _mcpfleet_provider_v1_CallMuxClientFrame,
  CallMuxClientFrame__Output as _mcpfleet_provider_v1_CallMuxClientFrame__Output,
} from '../../../mcpfleet/provider/v1/CallMuxClientFrame.js';

export interface CallMuxClientBatch {
  frames?: _mcpfleet_provider_v1_CallMuxClientFrame[];
}

export interface CallMuxClientBatch__Output {
  frames: _mcpfleet_provider_v1_CallMuxClientFrame__Output[];
}
