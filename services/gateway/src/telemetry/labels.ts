import { ErrorCode, FleetError } from '@mcp-fleet/contract';

const CATALOGUE_CODES = new Set<number>(Object.values(ErrorCode));

/**
 * The error label of a failed request: its JSON-RPC code when the error catalogue has it, `other`
 * for any other code (a provider may send any number, and each would be a series of its own),
 * `internal` for an error that is no JSON-RPC error.
 */
export function errorCodeLabel(err: unknown): string {
  if (!(err instanceof FleetError)) return 'internal';
  return CATALOGUE_CODES.has(err.code) ? String(err.code) : 'other';
}
