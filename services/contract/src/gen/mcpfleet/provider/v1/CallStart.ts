// Original file: proto/mcpfleet/provider/v1/provider.proto

import type {
  CallRequest as _mcpfleet_provider_v1_CallRequest,
  CallRequest__Output as _mcpfleet_provider_v1_CallRequest__Output,
} from '../../../mcpfleet/provider/v1/CallRequest.js';

/**
 * What Call carries as gRPC metadata, for one call of a CallBatches stream.
 */
export interface CallStart {
  request?: _mcpfleet_provider_v1_CallRequest | null;
  /**
   * The internal identity JWT (the bearer token of Call's authorization metadata).
   */
  identityToken?: string;
  /**
   * W3C trace context of the caller's client span.
   */
  traceparent?: string;
  tracestate?: string;
  /**
   * The call's deadline, counted from the moment the provider reads this frame; 0 means none.
   */
  timeoutMs?: number;
  /**
   * The caller's trace context in any other propagator's fields (OTEL_PROPAGATORS: b3, x-b3-*,
   * uber-trace-id, baggage, ...), as Call's metadata would carry them: a JSON object of strings,
   * empty when there are none. A provider reads it only up to 4 KiB and 16 fields, and only the
   * fields its own propagator reads. (Not a map: its entries would be decoded before the caller is
   * identified, each an object, however many a message held.)
   */
  traceFields?: string;
}

/**
 * What Call carries as gRPC metadata, for one call of a CallBatches stream.
 */
export interface CallStart__Output {
  request: _mcpfleet_provider_v1_CallRequest__Output | null;
  /**
   * The internal identity JWT (the bearer token of Call's authorization metadata).
   */
  identityToken: string;
  /**
   * W3C trace context of the caller's client span.
   */
  traceparent: string;
  tracestate: string;
  /**
   * The call's deadline, counted from the moment the provider reads this frame; 0 means none.
   */
  timeoutMs: number;
  /**
   * The caller's trace context in any other propagator's fields (OTEL_PROPAGATORS: b3, x-b3-*,
   * uber-trace-id, baggage, ...), as Call's metadata would carry them: a JSON object of strings,
   * empty when there are none. A provider reads it only up to 4 KiB and 16 fields, and only the
   * fields its own propagator reads. (Not a map: its entries would be decoded before the caller is
   * identified, each an object, however many a message held.)
   */
  traceFields: string;
}
