import { invalidRequest } from '../errors.js';

export type JsonObject = Record<string, unknown>;
export type RequestId = string | number;

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

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: RequestId | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export type Classified =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse };

/**
 * JSON that is already serialised, spliced into a response as it is: provider results cross the
 * gateway without being parsed and printed again.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isId = (value: unknown): value is RequestId =>
  typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));

/** Checks the JSON-RPC 2.0 shape of one message; throws -32600 with the reason. */
export function classify(value: unknown): Classified {
  if (!isObject(value)) throw invalidRequest('a JSON-RPC message must be an object');
  if (value.jsonrpc !== '2.0') throw invalidRequest('jsonrpc must be "2.0"');
  if (value.params !== undefined && !isObject(value.params)) throw invalidRequest('params must be an object');
  if (typeof value.method === 'string') {
    if (value.id === undefined)
      return { kind: 'notification', message: value as unknown as JsonRpcNotification };
    if (!isId(value.id)) throw invalidRequest('id must be a string or an integer');
    return { kind: 'request', message: value as unknown as JsonRpcRequest };
  }
  if (value.method !== undefined) throw invalidRequest('method must be a string');
  if (!isId(value.id)) throw invalidRequest('a response needs the id of its request');
  if ('result' in value === 'error' in value)
    throw invalidRequest('a response has exactly one of result and error');
  return { kind: 'response', message: value as unknown as JsonRpcResponse };
}

/** Serialises a response, splicing RawJson results in without re-encoding them. */
export function serializeResponse(
  id: RequestId | null,
  outcome: { result: unknown } | { error: JsonObject },
): string {
  const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},`;
  if ('error' in outcome) return `${head}"error":${JSON.stringify(outcome.error)}}`;
  const result = outcome.result instanceof RawJson ? outcome.result.text : JSON.stringify(outcome.result);
  return `${head}"result":${result}}`;
}

export function notification(method: string, params: JsonObject): JsonRpcNotification {
  return { jsonrpc: '2.0', method, params };
}
