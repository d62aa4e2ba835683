import { FleetError } from '@mcp-fleet/contract';
import type { JsonObject, JsonRpcRequest } from './messages.js';
import { claimedVersion } from './request-meta.js';

/** The headers of a 2026-07-28 POST, as `Envelope.header` reads them (lower-case names). */
export interface HeaderSource {
  header(name: string): string | undefined;
}

/** The request's field that `Mcp-Name` repeats, by method (a Map: the method is the client's text). */
const NAME_FIELD: ReadonlyMap<string, string> = new Map([
  ['tools/call', 'name'],
  ['prompts/get', 'name'],
  ['resources/read', 'uri'],
  ['tasks/get', 'taskId'],
  ['tasks/update', 'taskId'],
  ['tasks/cancel', 'taskId'],
]);

/** Canonical RFC 4648 base64 with its padding: what the `=?base64?…?=` form must hold. */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SENTINEL = /^=\?base64\?(.*)\?=$/s;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export const headerMismatch = (header: string, headerValue: string | undefined, bodyValue: unknown) =>
  new FleetError(
    'HeaderMismatch',
    headerValue === undefined
      ? `Header mismatch: the ${header} header is required`
      : `Header mismatch: ${header} header value ${JSON.stringify(headerValue)} does not match body value ${JSON.stringify(bodyValue)}`,
    { data: { mismatch: { header, body: bodyValue ?? null } } },
  );

/** RFC 9110 optional whitespace around a field value is not part of it. */
const trimOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

/**
 * A routing header's value as the client meant it: `=?base64?…?=` decoded (canonical base64,
 * valid UTF-8, or undefined when it is neither), anything else taken literally.
 */
export function decodeHeaderValue(raw: string): string | undefined {
  const value = trimOws(raw);
  const sentinel = SENTINEL.exec(value);
  if (!sentinel) return value;
  const encoded = sentinel[1] ?? '';
  if (!CANONICAL_BASE64.test(encoded)) return undefined;
  try {
    return utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined;
  }
}

/** Checks `name`'s header against the body's value when the header is there; absent is not refused here. */
function agrees(source: HeaderSource, name: string, bodyValue: string): void {
  const raw = source.header(name.toLowerCase());
  if (raw === undefined) return;
  if (decodeHeaderValue(raw) !== bodyValue) throw headerMismatch(name, raw, bodyValue);
}

/**
 * The ladder's first header step: headers that are present must agree with the body (version,
 * method), before the envelope itself is judged.
 */
export function checkHeadersAgree(source: HeaderSource, message: JsonRpcRequest): void {
  const claim = claimedVersion(message.params);
  if (typeof claim === 'string') agrees(source, 'MCP-Protocol-Version', claim);
  agrees(source, 'Mcp-Method', message.method);
}

/**
 * The ladder's later header step: MCP-Protocol-Version and Mcp-Method are required on every
 * request, Mcp-Name on the methods that name something, and each must match the body.
 */
export function checkRoutingHeaders(source: HeaderSource, message: JsonRpcRequest): void {
  for (const name of ['MCP-Protocol-Version', 'Mcp-Method']) {
    if (source.header(name.toLowerCase()) === undefined) throw headerMismatch(name, undefined, null);
  }
  checkHeadersAgree(source, message);
  const field = NAME_FIELD.get(message.method);
  if (!field) return;
  const bodyValue = (message.params as JsonObject | undefined)?.[field];
  const raw = source.header('mcp-name');
  if (raw === undefined) throw headerMismatch('Mcp-Name', undefined, bodyValue);
  if (typeof bodyValue !== 'string' || decodeHeaderValue(raw) !== bodyValue)
    throw headerMismatch('Mcp-Name', raw, bodyValue);
}

/** The argument at `path` of a tool's arguments, or undefined. */
function argumentAt(args: unknown, path: readonly string[]): unknown {
  let value = args;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key))
      return undefined;
    value = (value as JsonObject)[key];
  }
  return value;
}

/** A decimal number as a header may carry it: no sign but `-`, no leading zeros, exponent, hex or spaces. */
const DECIMAL = /^(-?(?:0|[1-9][0-9]*))(?:\.([0-9]+))?$/;

/**
 * True when a decimal header value is the body's number: an integer by its digits (a zero
 * fraction, `42.0`, allowed), anything else by value.
 */
function sameNumber(decoded: string, value: number): boolean {
  const decimal = DECIMAL.exec(decoded);
  if (!decimal) return false;
  if (!Number.isSafeInteger(value)) return Number(decoded) === value;
  return decimal[1] === String(value) && /^0*$/.test(decimal[2] ?? '');
}

/** True when a decoded header value says what the body's argument says (integers numerically). */
function sameArgument(decoded: string, value: unknown): boolean {
  if (typeof value === 'number') return sameNumber(decoded, value);
  if (typeof value === 'boolean') return decoded === String(value);
  return decoded === value;
}

/**
 * A tools/call's `Mcp-Param-*` headers against the arguments the tool routes (`x-mcp-header`):
 * an argument that is present must come with its header, and the header must decode to it.
 */
export function checkParamHeaders(
  source: HeaderSource,
  params: readonly { header: string; path: readonly string[] }[],
  args: unknown,
): void {
  for (const param of params) {
    const value = argumentAt(args, param.path);
    if (value === undefined || value === null) continue;
    const name = `Mcp-Param-${param.header}`;
    const raw = source.header(name.toLowerCase());
    const decoded = raw === undefined ? undefined : decodeHeaderValue(raw);
    if (decoded === undefined || !sameArgument(decoded, value)) throw headerMismatch(name, raw, value);
  }
}
