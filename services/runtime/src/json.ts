import { FleetError } from '@mcp-fleet/contract';

/** A JSON object as it arrives in MCP params and results, before anything is known of its keys. */
export type JsonObject = Record<string, unknown>;

/** `params[key]` when it is a string; otherwise the caller is answered with invalid params. */
export function stringParam(params: JsonObject, key: string): string {
  const value = params[key];
  if (typeof value !== 'string') throw new FleetError('InvalidParams', `params.${key} must be a string`);
  return value;
}
