/**
 * Every error the fleet answers, in one place: its JSON-RPC code, what it means, and how each edge
 * carries it (HTTP status for Streamable HTTP, legacy SSE and WebSocket upgrades; gRPC status for
 * the gRPC edge and provider calls). No code means two things; nothing else names a bare number.
 */

/** gRPC status codes (numbers from the gRPC spec, so this package needs no grpc-js import here). */
export const GrpcStatus = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatusValue = (typeof GrpcStatus)[keyof typeof GrpcStatus];

export interface ErrorEntry {
  readonly code: number;
  readonly meaning: string;
  /** The status of an HTTP exchange answered with only this error. */
  readonly http: number;
  readonly grpc: GrpcStatusValue;
}

function entry(code: number, http: number, grpc: GrpcStatusValue, meaning: string): ErrorEntry {
  return { code, http, grpc, meaning };
}

export const Errors = {
  // JSON-RPC 2.0
  ParseError: entry(-32700, 400, GrpcStatus.INVALID_ARGUMENT, 'the message is not valid JSON'),
  InvalidRequest: entry(
    -32600,
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'the message is not a valid JSON-RPC request',
  ),
  MethodNotFound: entry(
    -32601,
    404,
    GrpcStatus.UNIMPLEMENTED,
    'no such method (or not in this protocol version)',
  ),
  InvalidParams: entry(
    -32602,
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'the parameters are missing, malformed or refused',
  ),
  InternalError: entry(
    -32603,
    500,
    GrpcStatus.INTERNAL,
    'an unexpected failure; the caller did nothing wrong',
  ),

  // MCP (transport and protocol)
  /** The HTTP exchange was refused before any message was handled; the HTTP status says which rule. */
  TransportRefused: entry(
    -32000,
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'the exchange was refused at the transport (header, media type, size, origin or HTTP method)',
  ),
  /** The code the official MCP servers answer with HTTP 404 for an unknown session. */
  SessionNotFound: entry(
    -32001,
    404,
    GrpcStatus.NOT_FOUND,
    'the session is unknown or expired: initialize again',
  ),
  ResourceNotFound: entry(-32002, 404, GrpcStatus.NOT_FOUND, 'the requested resource does not exist'),
  /** MCP 2026-07-28: a routing header disagrees with the body. */
  HeaderMismatch: entry(
    -32020,
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'a routing header disagrees with the message',
  ),
  /** MCP 2026-07-28: the request needs a client capability the client did not declare. */
  MissingClientCapability: entry(
    -32021,
    400,
    GrpcStatus.FAILED_PRECONDITION,
    'the request needs a client capability the client did not declare',
  ),
  /** MCP 2026-07-28: the protocol version is not one the server speaks; `data` names the supported ones. */
  UnsupportedProtocolVersion: entry(
    -32022,
    400,
    GrpcStatus.INVALID_ARGUMENT,
    'the protocol version is not supported',
  ),

  // MCP Fleet
  Unavailable: entry(
    -32003,
    503,
    GrpcStatus.UNAVAILABLE,
    'draining, overloaded or a dependency is down: retry',
  ),
  Timeout: entry(-32004, 504, GrpcStatus.DEADLINE_EXCEEDED, 'the call ran past its deadline'),
  /** `data.retryAfter` says when to retry. */
  RateLimited: entry(
    -32005,
    429,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'a rate or concurrency limit refused the call',
  ),
  /** `data.retryAfter` says when the quota renews. */
  QuotaExceeded: entry(
    -32006,
    429,
    GrpcStatus.RESOURCE_EXHAUSTED,
    "the caller's quota for the period is spent",
  ),
  Unauthenticated: entry(-32010, 401, GrpcStatus.UNAUTHENTICATED, 'no valid credentials were presented'),
  /**
   * Denied by policy, or an answer to a server→client request that was not sent to this session
   * and caller (or no longer awaits one).
   */
  Forbidden: entry(-32011, 403, GrpcStatus.PERMISSION_DENIED, 'the caller may not do this'),
  /**
   * A call that policy admits only with an approval did not get one: the caller declined, an
   * approver denied it, or it timed out; `data.reason` says which, `data.approval` names it.
   */
  ApprovalDenied: entry(
    -32040,
    403,
    GrpcStatus.PERMISSION_DENIED,
    'the call needed an approval that was declined, denied or timed out',
  ),
  /**
   * Pinned tool definitions: the provider changed (or added) this tool and an operator has not
   * accepted the change yet; `data` names the provider and the tool (`mcp-fleet catalog diff`).
   */
  ToolDefinitionHeld: entry(
    -32030,
    409,
    GrpcStatus.FAILED_PRECONDITION,
    'the tool definition changed and waits for an operator to accept it',
  ),
  /**
   * A task's call ended with a result larger than the gateway keeps for a task
   * (MCPFLEET_MAX_TASK_RESULT_BYTES): the task ends failed, the result is not stored; `data`
   * says the limit and the size.
   */
  TaskResultTooLarge: entry(
    -32050,
    507,
    GrpcStatus.RESOURCE_EXHAUSTED,
    'the task result is larger than the gateway keeps',
  ),
} as const satisfies Record<string, ErrorEntry>;

export type ErrorName = keyof typeof Errors;

/** The JSON-RPC code of each entry, by name (for switch statements and comparisons). */
export const ErrorCode = Object.fromEntries(Object.entries(Errors).map(([name, e]) => [name, e.code])) as {
  readonly [K in ErrorName]: (typeof Errors)[K]['code'];
};

export type ErrorCodeValue = (typeof ErrorCode)[ErrorName];

const byCode = new Map<number, ErrorEntry>(Object.values(Errors).map((e) => [e.code, e]));

/** The catalogue entry of a code; unknown codes (a provider's own) are carried as internal errors. */
export function errorEntryOf(code: number): ErrorEntry {
  return byCode.get(code) ?? Errors.InternalError;
}

/** True when the catalogue knows the code. */
export function isKnownErrorCode(code: number): boolean {
  return byCode.has(code);
}

/** A JSON-RPC error object as it goes on the wire. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

export interface FleetErrorOptions {
  data?: unknown;
  /** An HTTP status other than the entry's (TransportRefused: 405, 406, 413, 415, 403). */
  httpStatus?: number;
  /** HTTP headers for edges that have them (Retry-After, Allow, WWW-Authenticate). */
  headers?: Record<string, string>;
}

/**
 * An error answered to a caller, named by its catalogue entry. The gateway and the provider SDK
 * both throw it; each edge maps it with `httpStatus` / `grpcStatus` / `toWire()`.
 */
export class FleetError extends Error {
  readonly entry: ErrorEntry;
  readonly data?: unknown;
  readonly headers: Record<string, string>;
  readonly httpStatus: number;

  constructor(
    readonly kind: ErrorName,
    message: string,
    options: FleetErrorOptions = {},
  ) {
    super(message);
    this.name = 'FleetError';
    this.entry = Errors[kind];
    this.data = options.data;
    this.headers = options.headers ?? {};
    this.httpStatus = options.httpStatus ?? this.entry.http;
  }

  get code(): number {
    return this.entry.code;
  }

  get grpcStatus(): GrpcStatusValue {
    return this.entry.grpc;
  }

  toWire(): WireError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}
