import { ErrorCode } from '@mcp-fleet/contract';

/** A JSON-RPC error object as it goes on the wire. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

/** An error answered to the client as a JSON-RPC error object. */
export class JsonRpcError extends Error {
  /** HTTP status and headers for edges that have them (429 + Retry-After for limits). */
  http?: { status: number; headers: Record<string, string> };

  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'JsonRpcError';
  }

  toJSON(): WireError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** What a client is told about a failure: a JsonRpcError as it is, anything else as -32603. */
export function wireErrorOf(err: unknown): WireError {
  if (err instanceof JsonRpcError) return err.toJSON();
  return {
    code: ErrorCode.InternalError,
    message: `Internal error: ${(err as Error)?.message ?? String(err)}`,
  };
}

/** A failure of the HTTP exchange itself, before any JSON-RPC message could be handled. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A JSON-RPC error as the answer to a whole HTTP exchange (its own status, 400 when it has none). */
export function httpErrorOf(error: JsonRpcError): HttpError {
  return new HttpError(error.http?.status ?? 400, error.code, error.message, error.http?.headers);
}

export const invalidParams = (message: string, data?: unknown) =>
  new JsonRpcError(ErrorCode.InvalidParams, message, data);
export const invalidRequest = (message: string) => new JsonRpcError(ErrorCode.InvalidRequest, message);
export const methodNotFound = (method: string) =>
  new JsonRpcError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
export const unavailable = (message: string) => new JsonRpcError(ErrorCode.Unavailable, message);

/** The HTTP errors of the Streamable HTTP transport, with the codes the official SDK uses. */
export const httpErrors = {
  parse: (detail: string) => new HttpError(400, ErrorCode.ParseError, `Parse error: ${detail}`),
  invalidMessage: (detail: string) =>
    new HttpError(400, ErrorCode.InvalidRequest, `Invalid Request: ${detail}`),
  /** A message refused before it was handled (unparseable, too deep, malformed), with its JSON-RPC error. */
  refusedMessage: (error: WireError) => new HttpError(400, error.code, error.message),
  missingSession: () => new HttpError(400, -32000, 'Bad Request: Mcp-Session-Id header is required'),
  unknownSession: () => new HttpError(404, -32001, 'Session not found: initialize a new session'),
  badProtocolVersion: (version: string, supported: readonly string[]) =>
    new HttpError(
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${version} (supported: ${supported.join(', ')})`,
    ),
  notAcceptable: (needed: string) =>
    new HttpError(406, -32000, `Not Acceptable: Client must accept ${needed}`),
  unsupportedMediaType: () =>
    new HttpError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json'),
  tooLarge: (limit: number) =>
    new HttpError(413, -32000, `Payload Too Large: the body limit is ${limit} bytes`),
  forbiddenOrigin: (what: string) => new HttpError(403, -32000, `Forbidden: ${what} is not allowed`),
  methodNotAllowed: () => new HttpError(405, -32000, 'Method Not Allowed', { allow: 'GET, POST, DELETE' }),
  draining: () =>
    new HttpError(503, ErrorCode.Unavailable, 'Service Unavailable: this gateway is shutting down, retry', {
      'retry-after': '1',
      connection: 'close',
    }),
  storeUnavailable: () =>
    new HttpError(
      503,
      ErrorCode.Unavailable,
      'Service Unavailable: the session store is unreachable, retry shortly',
      {
        'retry-after': '1',
      },
    ),
};
