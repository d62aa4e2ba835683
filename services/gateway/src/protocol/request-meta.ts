import { isLogLevel, type LogLevel } from '@mcp-fleet/contract';
import { invalidParams } from './errors.js';
import { isObject, type JsonObject } from './messages.js';

/** The `_meta` keys of MCP 2026-07-28 that make a request self-describing. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/**
 * The largest clientCapabilities or clientInfo, as JSON. A real client's are a few hundred bytes;
 * both live as long as the request's call does (a parked input_required call for minutes, and
 * in the provider too), so a caller may not make them megabytes.
 */
export const MAX_ENVELOPE_OBJECT_CHARS = 16 * 1024;

/** Whether `value` as JSON passes the limit. */
function tooLarge(value: JsonObject): boolean {
  try {
    return JSON.stringify(value).length > MAX_ENVELOPE_OBJECT_CHARS;
  } catch {
    // Nested too deep to serialise: far too large to keep.
    return true;
  }
}

/**
 * A client's capabilities or info, as a 2026 request's `_meta` or a 2025 `initialize` carries
 * them: an object small enough to keep, else InvalidParams naming `name`.
 */
export function clientObject(value: unknown, name: string): JsonObject {
  if (!isObject(value) || tooLarge(value))
    throw invalidParams(
      `Invalid params: ${name} must be an object of at most ${MAX_ENVELOPE_OBJECT_CHARS} characters as JSON`,
    );
  return value;
}

/** The `_meta` object of a request's params, when it has one. */
export function metaOf(params: JsonObject | undefined): JsonObject | undefined {
  return isObject(params?._meta) ? params._meta : undefined;
}

/** The protocol version a request's body claims, when it claims one (the era it speaks). */
export function claimedVersion(params: JsonObject | undefined): unknown {
  const meta = metaOf(params);
  return meta && META.protocolVersion in meta ? meta[META.protocolVersion] : undefined;
}

/** What a 2026 request says of its client in `_meta`. */
export interface RequestMeta {
  protocolVersion: string;
  clientCapabilities: JsonObject;
  clientInfo: JsonObject;
  /** Absent: the request gets no log messages at all. */
  logLevel?: LogLevel;
}

/**
 * The envelope of a 2026 request, checked: protocolVersion and clientCapabilities are required,
 * clientInfo is optional, a logLevel must be one of the eight. Refuses with InvalidParams.
 */
export function readRequestMeta(params: JsonObject | undefined): RequestMeta {
  const meta = metaOf(params);
  if (!meta) throw invalidParams(`Invalid params: _meta with ${META.protocolVersion} is required`);
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string' || version === '')
    throw invalidParams(`Invalid params: _meta.${META.protocolVersion} must be a string`);
  const capabilities = clientObject(meta[META.clientCapabilities], `_meta.${META.clientCapabilities}`);
  const info = meta[META.clientInfo];
  const clientInfo = info === undefined ? {} : clientObject(info, `_meta.${META.clientInfo}`);
  const level = meta[META.logLevel];
  if (level !== undefined && (typeof level !== 'string' || !isLogLevel(level)))
    throw invalidParams(`Invalid params: unknown _meta.${META.logLevel} ${JSON.stringify(level)}`);
  const read: RequestMeta = {
    protocolVersion: version,
    clientCapabilities: capabilities,
    clientInfo,
  };
  if (level !== undefined) read.logLevel = level as LogLevel;
  return read;
}
