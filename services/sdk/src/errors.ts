import { FleetError } from '@mcp-fleet/contract';

/**
 * The fleet's one error catalogue, for providers: a handler throws a FleetError for a JSON-RPC
 * error the caller sees (unknown tool, invalid params, resource not found). Anything else a tool
 * handler throws becomes a tool result with `isError: true`, so the model can read it and try again.
 */
export { ErrorCode, Errors, FleetError } from '@mcp-fleet/contract';

export function invalidParams(message: string, data?: unknown): FleetError {
  return new FleetError('InvalidParams', message, { data });
}

export function methodNotFound(method: string): FleetError {
  return new FleetError('MethodNotFound', `Method not found: ${method}`);
}

/** The provider's definitions are inconsistent (duplicate names, a schema ajv cannot compile). */
export class DefinitionError extends Error {
  override name = 'DefinitionError';
}

/** The reason an aborted handler sees on `ctx.signal.reason`. */
export class CallAbortedError extends Error {
  constructor(
    readonly kind: 'cancelled' | 'deadline' | 'shutdown',
    detail: string,
  ) {
    super(`call aborted (${kind}): ${detail}`);
    this.name = 'CallAbortedError';
  }
}
