import { randomBytes } from 'node:crypto';
import { FleetError, NO_LOGS } from '@mcp-fleet/contract';
import { invalidRequest } from '../protocol/errors.js';
import { claimedVersion, readRequestMeta } from '../protocol/request-meta.js';
import { checkHeadersAgree, checkRoutingHeaders } from '../protocol/routing-headers.js';
import { isModernVersion, isSupportedVersion, MODERN_VERSIONS } from '../protocol/versions.js';
import type { SessionData } from '../session/types.js';
import type { Dialect, Envelope } from './dialect.js';

/**
 * Stateless "sessions" are one request long; the prefix tells them apart in logs and the audit.
 * They are never stored or looked up, so their ids need only be unique: a random part per process
 * and a counter, not a random draw on every request.
 */
const REQUEST_SESSION_PREFIX = `stateless.${randomBytes(9).toString('base64url')}.`;
let requestCount = 0;

const unsupportedVersion = (requested: string) =>
  new FleetError(
    'UnsupportedProtocolVersion',
    `Unsupported protocol version: ${requested} (supported: ${MODERN_VERSIONS.join(', ')})`,
    { data: { supported: [...MODERN_VERSIONS], requested } },
  );

/**
 * MCP 2026-07-28: no initialize, no session; each request carries its version and its client's
 * capabilities in `params._meta`. Classification is body-primary, as the official SDK's: a body
 * claiming a version that is not a session-era one speaks this dialect, and so does an exchange
 * whose MCP-Protocol-Version header names a modern version (a body without the envelope is then
 * refused, not served as a 2025 request).
 */
export const statelessDialect: Dialect = {
  name: 'stateless',
  stateless: true,

  speaks(envelope, message) {
    const claim = claimedVersion(message?.params);
    if (claim !== undefined) return typeof claim !== 'string' || !isSupportedVersion(claim);
    return isModernVersion(envelope.header('mcp-protocol-version')?.trim());
  },

  opens: () => false,

  open() {
    throw invalidRequest('Invalid Request: MCP 2026-07-28 has no initialize');
  },

  async sessionOf(envelope, caller, _lookup, message) {
    const id = `${REQUEST_SESSION_PREFIX}${(++requestCount).toString(36)}`;
    if (!message) return requestSession(id, caller.principal, envelope);
    // The ladder of the spec (and the official SDK), in order.
    if (envelope.routesRequests) checkHeadersAgree(envelope, message);
    const meta = readRequestMeta(message.params);
    if (!isModernVersion(meta.protocolVersion)) throw unsupportedVersion(meta.protocolVersion);
    if (envelope.routesRequests) checkRoutingHeaders(envelope, message);
    return {
      id,
      principal: caller.principal,
      protocolVersion: meta.protocolVersion,
      clientCapabilities: meta.clientCapabilities,
      clientInfo: meta.clientInfo,
      logLevel: meta.logLevel ?? NO_LOGS,
      createdAt: Date.now(),
    };
  },

  allowsBatches: () => false,
  resumable: () => false,
};

/** The session of a stateless exchange without a request (a notification, a batch): nothing is served on it. */
function requestSession(id: string, principal: string, envelope: Envelope): SessionData {
  return {
    id,
    principal,
    protocolVersion: envelope.header('mcp-protocol-version') ?? MODERN_VERSIONS[0],
    clientCapabilities: {},
    clientInfo: {},
    logLevel: NO_LOGS,
    createdAt: Date.now(),
  };
}
