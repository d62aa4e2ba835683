import { invalidParams } from './errors.js';
import type { JsonObject } from './messages.js';

/**
 * Refuses (-32602) a request whose params carry a field `allowed` does not name: a request that
 * stays alive (a listen stream, a parked call) must keep only what its method reads, never a pad.
 */
export function refuseFieldsOutside(method: string, params: JsonObject, allowed: ReadonlySet<string>): void {
  const extra = Object.keys(params).filter((field) => !allowed.has(field));
  if (extra.length > 0)
    throw invalidParams(
      `Invalid params: ${method} takes only ${[...allowed].join(', ')} (got ${extra.slice(0, 5).join(', ')})`,
    );
}

/** The size of `value` as JSON, in bytes. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
