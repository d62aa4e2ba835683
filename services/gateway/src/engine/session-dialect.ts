import { refusals } from '../protocol/errors.js';
import type { JsonObject, JsonRpcRequest } from '../protocol/messages.js';
import { clientObject } from '../protocol/request-meta.js';
import {
  allowsBatches,
  DEFAULT_HEADER_VERSION,
  isSupportedVersion,
  negotiateVersion,
  SUPPORTED_VERSIONS,
  supportsStreamResumption,
} from '../protocol/versions.js';
import type { SessionData } from '../session/types.js';
import type { Dialect } from './dialect.js';

/**
 * MCP with sessions (2024-11-05 to 2025-11-25): `initialize` opens a session whose id the client
 * sends back (Mcp-Session-Id on Streamable HTTP; implicitly on a channel), and the version it
 * negotiated decides batches and stream resumption.
 */
export const sessionDialect: Dialect = {
  name: 'session',
  stateless: false,
  speaks: () => true,
  opens: (message: JsonRpcRequest) => message.method === 'initialize',

  open(params, sessionId, caller, server) {
    const protocolVersion = negotiateVersion(params.protocolVersion);
    const session: SessionData = {
      id: sessionId,
      principal: caller.principal,
      protocolVersion,
      // Kept as long as the session lives and sent to a provider with every call: bounded as a
      // 2026 request's envelope is.
      clientCapabilities:
        params.capabilities === undefined ? {} : clientObject(params.capabilities, 'capabilities'),
      clientInfo: params.clientInfo === undefined ? {} : clientObject(params.clientInfo, 'clientInfo'),
      logLevel: 'info',
      createdAt: Date.now(),
    };
    const result: JsonObject = {
      protocolVersion,
      capabilities: server.capabilities,
      serverInfo: server.serverInfo,
    };
    if (server.instructions) result.instructions = server.instructions;
    return { session, result };
  },

  async sessionOf(envelope, caller, lookup) {
    const id = envelope.header('mcp-session-id');
    if (!id) throw refusals.missingSession();
    const session = await lookup(id);
    // Someone else's session id is answered exactly like an unknown one.
    if (!session || session.principal !== caller.principal) throw refusals.unknownSession();
    const version = envelope.header('mcp-protocol-version') ?? DEFAULT_HEADER_VERSION;
    if (!isSupportedVersion(version)) throw refusals.badProtocolVersion(version, SUPPORTED_VERSIONS);
    return session;
  },

  allowsBatches: (session) => allowsBatches(session.protocolVersion),
  resumable: (session) => supportsStreamResumption(session.protocolVersion),
};
