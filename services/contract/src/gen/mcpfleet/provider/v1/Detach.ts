// Original file: proto/mcpfleet/provider/v1/provider.proto

/**
 * The handler asks the gateway to release the client's connection while the call goes on
 * (MCP SSE polling, SEP-1699): the gateway closes the client's SSE stream with this retry hint,
 * and the client resumes it later with Last-Event-ID. Clients that cannot resume keep their stream.
 */
export interface Detach {
  retryMs?: number;
}

/**
 * The handler asks the gateway to release the client's connection while the call goes on
 * (MCP SSE polling, SEP-1699): the gateway closes the client's SSE stream with this retry hint,
 * and the client resumes it later with Last-Event-ID. Clients that cannot resume keep their stream.
 */
export interface Detach__Output {
  retryMs: number;
}
