import { ErrorCode } from '@mcp-fleet/contract';

/**
 * An error the caller sees as a JSON-RPC error (unknown tool, invalid params, resource not found).
 * Anything else a tool handler throws becomes a tool result with `isError: true`, so the model can
 * read it and try again.
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export function invalidParams(message: string, data?: unknown): ProtocolError {
  return new ProtocolError(ErrorCode.InvalidParams, message, data);
}

export function methodNotFound(method: string): ProtocolError {
  return new ProtocolError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
}

/** A bad configuration value; the message names every offending key and where it came from. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
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

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
