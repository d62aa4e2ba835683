import { ErrorCode } from '@mcp-fleet/contract';
import { JsonRpcError } from '../errors.js';

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

/**
 * How deep a message may nest objects and arrays, envelope included. Far beyond any real tool
 * argument or Kubernetes manifest, far below what recursive code (JSON.stringify on the way to a
 * provider, schema validation) survives: a hostile 10,000-deep message is refused at the door.
 */
export const MAX_NESTING = 100;

/** A message refused as a whole (-32600), answered to its request id when it had a usable one. */
export class InvalidMessage extends JsonRpcError {
  constructor(
    message: string,
    readonly requestId: RequestId | null = null,
  ) {
    super(ErrorCode.InvalidRequest, message);
  }
}

/**
 * True when `value` nests objects or arrays more than `limit` levels. Iterative (its own stacks,
 * no recursion) and stops early; on the path of every message, so it allocates nothing per node.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const nodes: unknown[] = [value];
  const depths: number[] = [1];
  const visit = (child: unknown, depth: number) => {
    if (typeof child !== 'object' || child === null) return;
    nodes.push(child);
    depths.push(depth);
  };
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop() as number;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    if (Array.isArray(node)) for (const child of node) visit(child, depth + 1);
    else for (const key in node) visit((node as JsonObject)[key], depth + 1);
  }
  return false;
}

/** Checks the JSON-RPC 2.0 shape and the nesting of one message; throws -32600 with the reason. */
export function classify(value: unknown): Classified {
  const classified = shapeOf(value);
  if (nestsDeeperThan(value, MAX_NESTING))
    throw new InvalidMessage(
      `the message nests deeper than ${MAX_NESTING} levels`,
      classified.kind === 'request' ? classified.message.id : null,
    );
  return classified;
}

function shapeOf(value: unknown): Classified {
  if (!isObject(value)) throw new InvalidMessage('a JSON-RPC message must be an object');
  if (value.jsonrpc !== '2.0') throw new InvalidMessage('jsonrpc must be "2.0"');
  if (value.params !== undefined && !isObject(value.params))
    throw new InvalidMessage('params must be an object');
  if (typeof value.method === 'string') {
    if (value.id === undefined)
      return { kind: 'notification', message: value as unknown as JsonRpcNotification };
    if (!isId(value.id)) throw new InvalidMessage('id must be a string or an integer');
    return { kind: 'request', message: value as unknown as JsonRpcRequest };
  }
  if (value.method !== undefined) throw new InvalidMessage('method must be a string');
  if (!isId(value.id)) throw new InvalidMessage('a response needs the id of its request');
  if ('result' in value === 'error' in value)
    throw new InvalidMessage('a response has exactly one of result and error');
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
