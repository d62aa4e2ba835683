import { invalidParams } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';
import { jsonBytes, refuseFieldsOutside } from '../protocol/param-fields.js';

const CALL_FIELDS = ['name', 'arguments', '_meta', 'inputResponses', 'requestState', 'task'];

/**
 * The only requests that may answer input_required (SEP-2322; lists never do), each with the
 * params fields it takes: a parked call keeps its params, so nothing else may ride along.
 * `task` is the tasks extension's field, tolerated though the gateway runs no tasks.
 */
const FIELDS_OF: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['tools/call', new Set(CALL_FIELDS)],
  ['prompts/get', new Set(CALL_FIELDS)],
  ['resources/read', new Set(['uri', '_meta', 'inputResponses', 'requestState'])],
]);

/**
 * A parked call keeps its params alive (in the provider call and its frames) for the whole TTL,
 * and a caller may park several: past this size a call answers or fails, it never waits.
 */
export const MAX_PARKED_PARAMS_BYTES = 256 * 1024;

export const mayAsk = (method: string): boolean => FIELDS_OF.has(method);

/** Refuses (-32602) params fields `method` does not take. */
export function refuseForeignFields(method: string, params: JsonObject): void {
  const allowed = FIELDS_OF.get(method);
  if (allowed) refuseFieldsOutside(method, params, allowed);
}

/** True when `params` are small enough to stay alive while their call waits for input. */
export const mayPark = (params: JsonObject): boolean => jsonBytes(params) <= MAX_PARKED_PARAMS_BYTES;

export const tooLargeToPark = () =>
  invalidParams(
    `Invalid params: a request over ${MAX_PARKED_PARAMS_BYTES / 1024} KiB cannot wait for client input: send large content another way (a resource, or a smaller request)`,
  );
