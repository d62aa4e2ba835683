// Original file: proto/mcpfleet/provider/v1/provider.proto

import type {
  CallMuxServerFrame as _mcpfleet_provider_v1_CallMuxServerFrame,
  CallMuxServerFrame__Output as _mcpfleet_provider_v1_CallMuxServerFrame__Output,
} from '../../../mcpfleet/provider/v1/CallMuxServerFrame.js';

export interface CallMuxServerBatch {
  frames?: _mcpfleet_provider_v1_CallMuxServerFrame[];
}

export interface CallMuxServerBatch__Output {
  frames: _mcpfleet_provider_v1_CallMuxServerFrame__Output[];
}
