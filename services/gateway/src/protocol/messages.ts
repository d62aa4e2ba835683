import { ErrorCode, type WireError } from '@mcp-fleet/contract';
import type { JsonObject } from '@mcp-fleet/runtime';
import { scanNesting } from './json-scan.js';

export type { JsonObject };

export type RequestId = string | number;

/** A JSON-RPC id as a table key: 1 and "1" are different ids. */
export const requestIdKey = (id: RequestId): string => (typeof id === 'number' ? `n${id}` : `s${id}`);

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: RequestId;
  method: string;
  params?: JsonObject;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: JsonObject;
}

/** A client's answer to a server→client request, as `classify` admits it: exactly one of result and error. */
export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: RequestId;
  result?: JsonObject;
  error?: { code: number; message: string; data?: unknown };
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/**
 * JSON that is already serialised, spliced into a response as it is: provider results cross the
 * gateway without being parsed and printed again.
 */
export class RawJson {
  private toolError?: boolean;

  constructor(readonly text: string) {}

  /** A tool result flagged `isError` (searched for once, by the audit and the metrics alike). */
  get isToolError(): boolean {
    this.toolError ??= this.text.includes('"isError":true');
    return this.toolError;
  }
}

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const isId = (value: unknown): value is RequestId =>
  typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));

/**
 * How deep a message may nest objects and arrays, envelope included. Far beyond any real tool
 * argument or Kubernetes manifest, far below what recursive code (JSON.stringify on the way to a
 * provider, schema validation) survives: a hostile 10,000-deep message is refused at the door.
 */
export const MAX_NESTING = 100;

/**
 * A message refused as a whole, answered to its request id when it had a usable one. Plain data,
 * not an Error: a batch or a flood of bad messages costs no stack traces.
 */
export interface Invalid {
  kind: 'invalid';
  error: WireError;
  requestId: RequestId | null;
}

export type Classified =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse }
  | Invalid;

/** A message refused as an invalid request, with `reason`. */
export const invalidMessage = (reason: string, requestId: RequestId | null = null): Invalid => ({
  kind: 'invalid',
  error: { code: ErrorCode.InvalidRequest, message: `Invalid Request: ${reason}` },
  requestId,
});

/**
 * Parses one client text (a message, or a batch): refused without parsing when it nests deeper
 * than MAX_NESTING, so the values every edge goes on to classify are shallow.
 */
export function parseText(text: string): { value: unknown } | Invalid {
  const nesting = scanNesting(text, MAX_NESTING);
  if (nesting.tooDeep)
    return invalidMessage(`the message nests deeper than ${MAX_NESTING} levels`, nesting.requestId);
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return {
      kind: 'invalid',
      error: { code: ErrorCode.ParseError, message: `Parse error: ${(err as Error).message}` },
      requestId: null,
    };
  }
}

/** An error object a client may answer a server→client request with: `{code: integer, message: string, data?}`. */
const isErrorObject = (value: unknown): boolean =>
  isObject(value) && Number.isInteger(value.code) && typeof value.message === 'string';

/**
 * Checks the JSON-RPC 2.0 shape of one parsed message, answers included: an answer carries
 * exactly one of an object `result` or a well-formed `error`, so whatever waits for it can
 * take it as it is.
 */
export function classify(value: unknown): Classified {
  if (!isObject(value)) return invalidMessage('a JSON-RPC message must be an object');
  if (value.jsonrpc !== '2.0') return invalidMessage('jsonrpc must be "2.0"');
  if (value.params !== undefined && !isObject(value.params))
    return invalidMessage('params must be an object');
  if (typeof value.method === 'string') {
    if (value.id === undefined)
      return { kind: 'notification', message: value as unknown as JsonRpcNotification };
    if (!isId(value.id)) return invalidMessage('id must be a string or an integer');
    return { kind: 'request', message: value as unknown as JsonRpcRequest };
  }
  if (value.method !== undefined) return invalidMessage('method must be a string');
  if (!isId(value.id)) return invalidMessage('a response needs the id of its request');
  if ('result' in value === 'error' in value)
    return invalidMessage('a response has exactly one of result and error');
  if ('result' in value && !isObject(value.result)) return invalidMessage('result must be an object');
  if ('error' in value && !isErrorObject(value.error))
    return invalidMessage('error must be {code: integer, message: string, data?}');
  return { kind: 'response', message: value as unknown as JsonRpcResponse };
}

/** Serialises a response, splicing RawJson results in without re-encoding them. */
/**
 * An error as JSON; without its data when that cannot be serialised (a provider's error data
 * nested past the stack): the answer must still go out, and its code and message say enough.
 */
function errorJson(error: WireError): string {
  try {
    return JSON.stringify(error);
  } catch {
    return JSON.stringify({ code: error.code, message: error.message });
  }
}

export function serializeResponse(
  id: RequestId | null,
  outcome: { result: unknown } | { error: WireError },
): string {
  const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},`;
  if ('error' in outcome) return `${head}"error":${errorJson(outcome.error)}}`;
  const result = outcome.result instanceof RawJson ? outcome.result.text : JSON.stringify(outcome.result);
  return `${head}"result":${result}}`;
}

export function notification(method: string, params: JsonObject): JsonRpcNotification {
  return { jsonrpc: '2.0', method, params };
}

/** A tools/call result the model reads as a failure (`isError`), with one text block. */
export function toolErrorResult(text: string): RawJson {
  return new RawJson(JSON.stringify({ content: [{ type: 'text', text }], isError: true }));
}
