import { isId, type JsonObject, type JsonRpcNotification, type RequestId } from './messages.js';

/** A client notification the gateway acts on, built from checked params only. */
export type ClientNotification =
  | { method: 'notifications/cancelled'; requestId: RequestId; reason?: string }
  | { method: 'notifications/initialized' | 'notifications/roots/list_changed' | 'notifications/progress' };

type Check = (value: unknown) => boolean;

/** How much of a cancellation's reason is kept. */
const MAX_REASON_CHARS = 512;

const isString: Check = (value) => typeof value === 'string';
const isNumber: Check = (value) => typeof value === 'number';
const isObject: Check = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Params of one notification: each field's check, and whether it may be absent. */
type Schema = Record<string, { check: Check; optional?: true }>;

/**
 * The client notifications of MCP and their params. Fields not named here are never read, so
 * they cannot reach anything; `_meta` may ride on every one.
 */
const SCHEMAS: Record<ClientNotification['method'], Schema> = {
  'notifications/cancelled': { requestId: { check: isId }, reason: { check: isString, optional: true } },
  'notifications/initialized': {},
  'notifications/roots/list_changed': {},
  'notifications/progress': {
    progressToken: { check: isId },
    progress: { check: isNumber },
    total: { check: isNumber, optional: true },
    message: { check: isString, optional: true },
  },
};

const isKnown = (method: string): method is ClientNotification['method'] => Object.hasOwn(SCHEMAS, method);

/** Why `params` does not fit `schema`, or undefined when it does. */
function mismatch(schema: Schema, params: JsonObject): string | undefined {
  if (params._meta !== undefined && !isObject(params._meta)) return 'params._meta must be an object';
  for (const [field, { check, optional }] of Object.entries(schema)) {
    const value = params[field];
    if (value === undefined ? !optional : !check(value)) return `params.${field} is missing or malformed`;
  }
  return undefined;
}

/**
 * Reads a client notification against its schema: the notification, `ignored` for one MCP does
 * not define (JSON-RPC says unknown notifications are dropped), or the reason it is malformed.
 */
export function readNotification(
  message: JsonRpcNotification,
): { notification: ClientNotification } | { ignored: true } | { malformed: string } {
  if (!isKnown(message.method)) return { ignored: true };
  const params = message.params ?? {};
  const wrong = mismatch(SCHEMAS[message.method], params);
  if (wrong) return { malformed: `${message.method}: ${wrong}` };
  if (message.method !== 'notifications/cancelled') return { notification: { method: message.method } };
  const notification: ClientNotification = {
    method: message.method,
    requestId: params.requestId as RequestId,
  };
  // The reason travels to every replica and into logs: its first part says enough.
  if (params.reason !== undefined) notification.reason = (params.reason as string).slice(0, MAX_REASON_CHARS);
  return { notification };
}
