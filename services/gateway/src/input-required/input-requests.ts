import { FleetError, INPUT_KEY_META } from '@mcp-fleet/contract';
import { invalidParams } from '../protocol/errors.js';
import { isObject, type JsonObject } from '../protocol/messages.js';

/** What a client may be asked for in an input_required result, by method: its capability and its answer's shape. */
const KINDS: ReadonlyMap<
  string,
  { capability: string; prefix: string; answers(value: JsonObject): boolean }
> = new Map([
  [
    'elicitation/create',
    {
      capability: 'elicitation',
      prefix: 'elicitation',
      answers: (v) => ['accept', 'decline', 'cancel'].includes(String(v.action)),
    },
  ],
  [
    'sampling/createMessage',
    {
      capability: 'sampling',
      prefix: 'sampling',
      answers: (v) => typeof v.role === 'string' && typeof v.content === 'object' && v.content !== null,
    },
  ],
  ['roots/list', { capability: 'roots', prefix: 'roots', answers: (v) => Array.isArray(v.roots) }],
]);

/**
 * The `_meta` key of a question the gateway itself puts to the caller (an approval). Such a
 * question is answered only once a round showed it: never by answers sent before it was asked.
 */
export const APPROVAL_META = 'io.mcp-fleet/approval';

/** Whether `params` are those of a question the gateway asks (see APPROVAL_META). */
export const isGatewayQuestion = (params: JsonObject): boolean =>
  isObject(params._meta) && Object.hasOwn(params._meta, APPROVAL_META);

/** One thing a handler asked the client for, as it goes in `inputRequests`. */
export interface InputRequest {
  method: string;
  params: JsonObject;
}

/**
 * The ask as the client sees it, and the key the provider chose for it (if any); refuses a method
 * that is no input request (MCP 2026 has no other server→client request).
 */
export function inputRequestOf(method: string, params: JsonObject): { request: InputRequest; key?: string } {
  const kind = KINDS.get(method);
  if (!kind) throw new FleetError('MethodNotFound', `${method} cannot be asked of a 2026-07-28 client`);
  const { [INPUT_KEY_META]: key, ...meta } = isObject(params._meta) ? params._meta : {};
  const { _meta: _dropped, ...rest } = params;
  const request = { method, params: Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest };
  return typeof key === 'string' && key !== '' ? { request, key } : { request };
}

export function keyPrefixOf(method: string): string {
  return KINDS.get(method)?.prefix ?? 'input';
}

/**
 * The client capabilities an ask needs that `declared` lacks, as `data.requiredCapabilities` names
 * them; undefined when declared. URL-mode elicitation needs `elicitation.url`; form mode an
 * `elicitation` that is empty or names `form`.
 */
export function missingCapability(request: InputRequest, declared: JsonObject): JsonObject | undefined {
  const kind = KINDS.get(request.method);
  if (!kind) return undefined;
  const held = declared[kind.capability];
  if (kind.capability !== 'elicitation') return isObject(held) ? undefined : { [kind.capability]: {} };
  const mode = request.params.mode === 'url' ? 'url' : 'form';
  const supports =
    isObject(held) && (held[mode] !== undefined || (mode === 'form' && Object.keys(held).length === 0));
  return supports ? undefined : { elicitation: { [mode]: {} } };
}

export function missingCapabilityError(required: JsonObject): FleetError {
  return new FleetError(
    'MissingClientCapability',
    `The request needs client capabilities it did not declare: ${Object.keys(required).join(', ')}`,
    { data: { requiredCapabilities: required } },
  );
}

/** A response is refused (-32602) unless it has the shape of the answer to what was asked. */
export function checkedResponse(key: string, method: string, value: unknown): JsonObject {
  if (!isObject(value) || !KINDS.get(method)?.answers(value))
    throw invalidParams(`inputResponses.${key} is not a valid answer to ${method}`, {
      reason: 'malformed-response',
      key,
    });
  return value;
}

/**
 * The most answers one request may carry, and the longest key: more than a round asks for
 * (unknown keys are ignored, never kept), few enough that checking them costs nothing.
 */
export const MAX_INPUT_RESPONSES = 64;
const MAX_KEY_LENGTH = 256;

/** A first request's (most requests'): nothing to take from it, nothing to make for it. */
const NO_RETRY_FIELDS: RetryFields = Object.freeze({});

/** Read only: the answer for a first request is one object shared by all of them. */
type RetryFields = Readonly<{ responses?: JsonObject; state?: string }>;

/** The MRTR fields of a request's params: `inputResponses` (an object) and `requestState` (a string). */
export function retryFields(params: JsonObject): RetryFields {
  const { inputResponses: responses, requestState: state } = params;
  if (responses === undefined && state === undefined) return NO_RETRY_FIELDS;
  if (responses !== undefined && !isObject(responses))
    throw invalidParams('inputResponses must be an object', { reason: 'malformed-response' });
  const keys = responses ? Object.keys(responses) : [];
  if (keys.length > MAX_INPUT_RESPONSES || keys.some((key) => key.length > MAX_KEY_LENGTH))
    throw invalidParams(
      `inputResponses holds at most ${MAX_INPUT_RESPONSES} answers, keyed by at most ${MAX_KEY_LENGTH} characters`,
      { reason: 'too-many-responses' },
    );
  if (state !== undefined && typeof state !== 'string')
    throw invalidParams('requestState must be a string', { reason: 'malformed' });
  return { ...(responses ? { responses } : {}), ...(state !== undefined ? { state } : {}) };
}

/**
 * The request without its MRTR fields: what the provider is called with. Itself when it has none,
 * so read only: the call's identity digests the same object when it parks.
 */
export function withoutRetryFields(params: JsonObject): Readonly<JsonObject> {
  if (!('inputResponses' in params || 'requestState' in params)) return params;
  const { inputResponses: _responses, requestState: _state, ...rest } = params;
  return rest;
}
