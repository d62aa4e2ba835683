import { ErrorCode, type ErrorName, Errors, FleetError, type WireError } from '@mcp-fleet/contract';

const NAME_OF_CODE = new Map<number, ErrorName>(
  (Object.entries(Errors) as [ErrorName, (typeof Errors)[ErrorName]][]).map(([name, e]) => [e.code, name]),
);

/**
 * An error another party answered with (a provider, or a client answering a server→client
 * request), passed on with its own code: a provider may use any number, and the client of the
 * gateway must see it as the provider sent it. Counted as the catalogue entry of that code, or
 * as an internal error when the catalogue does not know it.
 */
export class RelayedError extends FleetError {
  constructor(
    private readonly relayedCode: number,
    message: string,
    data?: unknown,
  ) {
    super(NAME_OF_CODE.get(relayedCode) ?? 'InternalError', message, { data });
  }

  override get code(): number {
    return this.relayedCode;
  }
}

/** What a client is told about a failure: a FleetError as it is, anything else as an internal error. */
export function wireErrorOf(err: unknown): WireError {
  if (err instanceof FleetError) return err.toWire();
  return {
    code: ErrorCode.InternalError,
    message: `Internal error: ${(err as Error)?.message ?? String(err)}`,
  };
}

export const invalidParams = (message: string, data?: unknown) =>
  new FleetError('InvalidParams', message, { data });
/**
 * Arguments a gateway tool for models refuses: the tool answers them with a result marked `isError`
 * (the model's to correct, MCP 2025-11-25 on), as a provider's schema violations are answered.
 * InvalidParams should one reach a caller some other way.
 */
export class InvalidArguments extends FleetError {
  constructor(message: string) {
    super('InvalidParams', message);
  }
}
export const invalidRequest = (message: string) => new FleetError('InvalidRequest', message);
export const methodNotFound = (method: string) =>
  new FleetError('MethodNotFound', `Method not found: ${method}`);
export const unavailable = (message: string) => new FleetError('Unavailable', message);

const refused = (message: string, httpStatus?: number, headers?: Record<string, string>) =>
  new FleetError('TransportRefused', message, { httpStatus, headers });

/**
 * Refusals of a whole exchange, before any message is handled, with the codes and messages the
 * official SDK uses; every edge answers them through its one FleetError mapping.
 */
export const refusals = {
  parse: (detail: string) => new FleetError('ParseError', `Parse error: ${detail}`),
  invalidMessage: (detail: string) => new FleetError('InvalidRequest', `Invalid Request: ${detail}`),
  /** A message refused before it was handled (unparseable, too deep, malformed), as classified. */
  refusedMessage: (error: WireError) => new RelayedError(error.code, error.message),
  missingSession: () => refused('Bad Request: Mcp-Session-Id header is required'),
  unknownSession: () => new FleetError('SessionNotFound', 'Session not found: initialize a new session'),
  badProtocolVersion: (version: string, supported: readonly string[]) =>
    refused(`Bad Request: Unsupported protocol version: ${version} (supported: ${supported.join(', ')})`),
  notAcceptable: (needed: string) => refused(`Not Acceptable: Client must accept ${needed}`, 406),
  unsupportedMediaType: () => refused('Unsupported Media Type: Content-Type must be application/json', 415),
  tooLarge: (limit: number) => refused(`Payload Too Large: the body limit is ${limit} bytes`, 413),
  forbiddenOrigin: (what: string) => refused(`Forbidden: ${what} is not allowed`, 403),
  badHost: (host: string) =>
    refused(`Bad Request: Host ${JSON.stringify(host.slice(0, 100))} is not host[:port]`),
  methodNotAllowed: () => refused('Method Not Allowed', 405, { allow: 'GET, POST, DELETE' }),
  badSubprotocol: () => refused('Bad Request: the WebSocket subprotocol must be "mcp"'),
  notAPath: () => refused('Bad Request: the request target must be a path'),
  wrongPath: (path: string) => refused(`Not Found: WebSocket connections are served on ${path}`, 404),
  draining: () =>
    new FleetError('Unavailable', 'Service Unavailable: this gateway is shutting down, retry', {
      headers: { 'retry-after': '1', connection: 'close' },
    }),
  storeUnavailable: () =>
    new FleetError('Unavailable', 'Service Unavailable: the session store is unreachable, retry shortly', {
      headers: { 'retry-after': '1' },
    }),
  internal: (message: string, httpStatus?: number) =>
    new FleetError('InternalError', message, { httpStatus }),
};
