// Original file: proto/mcpfleet/provider/v1/provider.proto

/**
 * How a call of a CallBatches stream ended without a result or error frame: the gRPC status Call
 * would have ended with (CANCELLED, DEADLINE_EXCEEDED, UNAUTHENTICATED, UNAVAILABLE, ...).
 */
export interface CallEnd {
  code?: number;
  details?: string;
}

/**
 * How a call of a CallBatches stream ended without a result or error frame: the gRPC status Call
 * would have ended with (CANCELLED, DEADLINE_EXCEEDED, UNAUTHENTICATED, UNAVAILABLE, ...).
 */
export interface CallEnd__Output {
  code: number;
  details: string;
}
