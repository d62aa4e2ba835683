// Original file: proto/mcpfleet/provider/v1/provider.proto

import type {
  Progress as _mcpfleet_provider_v1_Progress,
  Progress__Output as _mcpfleet_provider_v1_Progress__Output,
} from '../../../mcpfleet/provider/v1/Progress.js';
import type {
  LogMessage as _mcpfleet_provider_v1_LogMessage,
  LogMessage__Output as _mcpfleet_provider_v1_LogMessage__Output,
} from '../../../mcpfleet/provider/v1/LogMessage.js';
import type {
  ServerRequest as _mcpfleet_provider_v1_ServerRequest,
  ServerRequest__Output as _mcpfleet_provider_v1_ServerRequest__Output,
} from '../../../mcpfleet/provider/v1/ServerRequest.js';
import type {
  Result as _mcpfleet_provider_v1_Result,
  Result__Output as _mcpfleet_provider_v1_Result__Output,
} from '../../../mcpfleet/provider/v1/Result.js';
import type {
  Error as _mcpfleet_provider_v1_Error,
  Error__Output as _mcpfleet_provider_v1_Error__Output,
} from '../../../mcpfleet/provider/v1/Error.js';
import type {
  Detach as _mcpfleet_provider_v1_Detach,
  Detach__Output as _mcpfleet_provider_v1_Detach__Output,
} from '../../../mcpfleet/provider/v1/Detach.js';
import type {
  CallEnd as _mcpfleet_provider_v1_CallEnd,
  CallEnd__Output as _mcpfleet_provider_v1_CallEnd__Output,
} from '../../../mcpfleet/provider/v1/CallEnd.js';

export interface CallMuxServerFrame {
  callId?: number;
  progress?: _mcpfleet_provider_v1_Progress | null;
  log?: _mcpfleet_provider_v1_LogMessage | null;
  request?: _mcpfleet_provider_v1_ServerRequest | null;
  result?: _mcpfleet_provider_v1_Result | null;
  error?: _mcpfleet_provider_v1_Error | null;
  detach?: _mcpfleet_provider_v1_Detach | null;
  end?: _mcpfleet_provider_v1_CallEnd | null;
  frame?: 'progress' | 'log' | 'request' | 'result' | 'error' | 'detach' | 'end';
}

export interface CallMuxServerFrame__Output {
  callId: number;
  progress?: _mcpfleet_provider_v1_Progress__Output | null;
  log?: _mcpfleet_provider_v1_LogMessage__Output | null;
  request?: _mcpfleet_provider_v1_ServerRequest__Output | null;
  result?: _mcpfleet_provider_v1_Result__Output | null;
  error?: _mcpfleet_provider_v1_Error__Output | null;
  detach?: _mcpfleet_provider_v1_Detach__Output | null;
  end?: _mcpfleet_provider_v1_CallEnd__Output | null;
  frame?: 'progress' | 'log' | 'request' | 'result' | 'error' | 'detach' | 'end';
}
