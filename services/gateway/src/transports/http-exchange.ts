import type { IncomingHttpHeaders } from 'node:http';
import type { FleetError } from '@mcp-fleet/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Credentials } from '../auth/authenticator.js';
import type { Envelope } from '../engine/dialect.js';
import { refusals } from '../protocol/errors.js';
import { type RequestId, serializeResponse } from '../protocol/messages.js';

/** Request headers as the engine reads them: the first value of each, by lower-case name. */
export function headerEnvelope(headers: IncomingHttpHeaders): Envelope {
  return { header: (name) => firstValue(headers, name) };
}

function firstValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function header(request: FastifyRequest, name: string): string | undefined {
  return firstValue(request.headers, name);
}

export function envelopeOf(request: FastifyRequest): Envelope {
  return headerEnvelope(request.headers);
}

export function credentialsOf(request: FastifyRequest): Credentials {
  return { authorization: header(request, 'authorization'), 'x-api-key': header(request, 'x-api-key') };
}

/**
 * The base URL a request names by its Host (localhost without one): only a plain host[:port],
 * what a URL's authority echoes back unchanged (a default port may be spelt out), else a typed
 * 400, so nothing built from it (metadata, links) carries what the Host smuggled in.
 */
export function baseUrlOf(request: FastifyRequest): string {
  const host = header(request, 'host') ?? 'localhost';
  const key = `${request.protocol} ${host}`;
  const known = checkedBases.get(key);
  if (known !== undefined) return known;
  const base = checkedBase(request.protocol, host);
  // A caller picks the Host: only the first few distinct ones are remembered.
  if (checkedBases.size < MAX_CHECKED_BASES) checkedBases.set(key, base);
  return base;
}

/** Base URLs already checked, by protocol and Host: a client sends the same Host on every request. */
const checkedBases = new Map<string, string>();
const MAX_CHECKED_BASES = 64;

function checkedBase(protocol: string, host: string): string {
  const base = `${protocol}://${host}`;
  const parsed = URL.canParse(base) ? new URL(base) : undefined;
  const defaultPort = protocol === 'https' ? ':443' : ':80';
  const echoed = [parsed?.host, `${parsed?.host}${defaultPort}`].includes(host.toLowerCase());
  if (!parsed || !echoed || parsed.username || parsed.password) throw refusals.badHost(host);
  return `${protocol}://${parsed.host}`;
}

/** The body of an HTTP exchange refused with `error`: a JSON-RPC error answering its request, or none. */
export function errorBody(error: FleetError, requestId: RequestId | null = null): string {
  return serializeResponse(requestId, { error: error.toWire() });
}

/** The one mapping of a FleetError onto an HTTP exchange refused with it: status, headers, body. */
export function sendFleetError(
  reply: FastifyReply,
  error: FleetError,
  requestId: RequestId | null = null,
): FastifyReply {
  return reply
    .code(error.httpStatus)
    .headers(error.headers)
    .type('application/json')
    .send(errorBody(error, requestId));
}

/**
 * The HTTP status and headers of a request answered with `error` in its JSON body: the JSON-RPC
 * error says what went wrong, so the exchange itself succeeded (200), except for a limit, whose
 * 429 and Retry-After clients and balancers back off by.
 */
export function answerStatus(
  error: FleetError | undefined,
  stateless = false,
): {
  status: number;
  headers: Record<string, string>;
} {
  if (error && (error.httpStatus === 429 || (stateless && STATUS_OF_STATELESS_ANSWERS.has(error.kind))))
    return { status: error.httpStatus, headers: error.headers };
  return { status: 200, headers: {} };
}

/**
 * The errors a stateless (2026-07-28) answer carries on its HTTP status too, as the spec and the
 * official SDK do: an unknown or removed method is a 404, a missing client capability or an
 * Mcp-Param-* header that disagrees with the arguments a 400.
 */
const STATUS_OF_STATELESS_ANSWERS: ReadonlySet<FleetError['kind']> = new Set([
  'MethodNotFound',
  'MissingClientCapability',
  'HeaderMismatch',
]);
