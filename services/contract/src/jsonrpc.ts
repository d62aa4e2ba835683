/** JSON-RPC 2.0 and MCP error codes, shared by the gateway and the providers. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP: the requested resource does not exist. */
  ResourceNotFound: -32002,
  /**
   * MCP Fleet: the caller was denied by authentication, policy or a limit, or answered a
   * server→client request that was not sent to its session or no longer awaits an answer.
   */
  Forbidden: -32001,
  /** MCP Fleet: the provider or gateway is draining or overloaded; retry elsewhere or later. */
  Unavailable: -32003,
  /** MCP Fleet: the call ran past its deadline. */
  Timeout: -32004,
  /** MCP Fleet: a rate limit or concurrency limit refused the call; `data.retryAfter` says when to retry. */
  RateLimited: -32005,
  /** MCP Fleet: the caller's quota for the hour or day is spent; `data.retryAfter` says when it renews. */
  QuotaExceeded: -32006,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** MCP logging levels, least to most severe (RFC 5424 order). */
export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** True when a message at `level` passes a `threshold` set by logging/setLevel. */
export function logLevelPasses(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}
