import type { Caller } from '../auth/caller.js';
import type { JsonObject, JsonRpcRequest } from '../protocol/messages.js';
import type { SessionData } from '../session/types.js';
import type { Screening, ServerDescription } from './request-context.js';

/**
 * What a transport tells the engine of one exchange besides its messages: the headers it came
 * with (HTTP headers; the upgrade request of a WebSocket; gRPC metadata), by lower-case name.
 */
export interface Envelope {
  header(name: string): string | undefined;
  /**
   * True when the headers belong to the one request of the exchange (a Streamable HTTP POST), so
   * MCP 2026-07-28's routing headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name) must repeat it.
   * A channel's headers (a WebSocket upgrade, gRPC metadata) say nothing of its requests.
   */
  routesRequests?: boolean;
  /** What the routing headers were admitted for before the body was read. */
  screening?: Screening;
}

/** Finds a stored session by id; refuses with a FleetError when the store cannot answer. */
export type SessionLookup = (id: string) => Promise<SessionData | undefined>;

/**
 * One generation of the MCP protocol, as the engine needs to know it: how a conversation opens,
 * how an exchange names its session, which optional mechanisms (batches, resumable streams) the
 * negotiated version has. Transports never see a dialect: they frame messages, the engine picks
 * the dialect an exchange speaks. A stateless dialect (no initialize, no session id; the version
 * and the client's capabilities in every request's `_meta`) claims its exchanges in `speaks`,
 * implements `opens` as false and builds the session of each request in `sessionOf` from the
 * message alone.
 */
export interface Dialect {
  readonly name: string;
  /**
   * True when every request stands alone (MCP 2026-07-28): refusals answer the request by its id,
   * nothing is stored or resumable, and the HTTP status of an answer follows its error.
   */
  readonly stateless: boolean;
  /** True when an exchange with these headers, carrying `message` when known, speaks this dialect. */
  speaks(envelope: Envelope, message?: JsonRpcRequest): boolean;
  /** True for the request that opens a conversation (`initialize`). */
  opens(message: JsonRpcRequest): boolean;
  /** The session an opening request starts, and the answer to it. */
  open(
    params: JsonObject,
    sessionId: string,
    caller: Caller,
    server: ServerDescription,
  ): { session: SessionData; result: JsonObject };
  /**
   * The session an exchange belongs to, carrying `message` when it is one request; refuses with a
   * FleetError (unknown, missing, bad version).
   */
  sessionOf(
    envelope: Envelope,
    caller: Caller,
    lookup: SessionLookup,
    message?: JsonRpcRequest,
  ): Promise<SessionData>;
  /** True when the session's version takes JSON-RPC batches. */
  allowsBatches(session: SessionData): boolean;
  /** True when the session's streams may be released and resumed (SSE polling, Last-Event-ID). */
  resumable(session: SessionData): boolean;
}
