import type { Context } from '@mcp-fleet/runtime/telemetry';
import type { Caller } from '../auth/caller.js';
import type { JsonObject, JsonRpcMessage, RequestId } from '../protocol/messages.js';
import type { SessionData } from '../session/types.js';
import type { Cancellable } from './cancellation.js';
import type { Envelope } from './dialect.js';

/** One client request being answered, as whatever answers it sees it. */
export interface RequestContext {
  session: SessionData;
  caller: Caller;
  requestId: RequestId;
  /** W3C trace id of this request's span, for the audit log. */
  traceId?: string;
  /** The caller's trace context (traceparent header, or the channel's); `_meta.traceparent` wins. */
  traceContext?: Context;
  /** Headers the edge adds to its answer (RateLimit-*). */
  headers: Record<string, string>;
  /** The headers of the exchange when they are the request's own (a 2026-07-28 POST). */
  envelope?: Envelope;
  /** Aborted by notifications/cancelled, session deletion or shutdown. */
  cancellation: Cancellable;
  /**
   * Aborts `cancellation`, also once the request was answered: what a call that outlives its request
   * (parked for client input) is cancelled with.
   */
  abort(reason: Error): void;
  /** Sends a message related to this request (progress, log, server request) to the client. */
  emit(message: JsonRpcMessage): void;
  /** Lets the client drop its connection and resume later (SSE polling). */
  detach(retryMs: number): void;
  /**
   * Set on 2026-07-28 requests that may answer input_required: what a provider asks the client
   * (sampling, elicitation, roots) goes into that result instead of a server→client request.
   */
  ask?(method: string, params: JsonObject): Promise<JsonObject>;
  /** Set once a provider asked the client something during this request: its result is not the arguments' alone. */
  askedClient?: boolean;
  /**
   * Set on the calls a workflow makes: each holds an in-flight slot of its own, inside a round of
   * a multi-round request too (the round's slot is the workflow's, not its steps').
   */
  workflowStep?: boolean;
}

/** What the server is and offers, as a dialect announces it (initialize's result). */
export interface ServerDescription {
  capabilities: JsonObject;
  serverInfo: JsonObject;
  instructions?: string;
}

/**
 * What the engine hands a request to once the conversation, the caller and the session are
 * settled: the gateway's dispatcher. The engine knows nothing of tools, policy or providers.
 */
export interface RequestHandler {
  describe(): ServerDescription;
  /** Answers one request; throws a FleetError to refuse it. */
  request(ctx: RequestContext, method: string, params: JsonObject): Promise<unknown>;
  /** True for methods answered at once, by the gateway itself: never worth streaming. */
  answersAtOnce(method: string): boolean;
  /**
   * Admits a request by its routing headers alone, before its body is read; undefined when the
   * headers name nothing to admit. Throws a FleetError to refuse it.
   */
  screen?(caller: Caller, envelope: Envelope): Promise<Screening | undefined>;
}

/**
 * What a 2026-07-28 request's routing headers were admitted for before its body was read (policy
 * by name; rate limits and quotas spent): spent once, by the admission of that very target.
 */
export interface Screening {
  kind: string;
  name: string;
  spent: boolean;
  /** The RateLimit-* headers the screening's limits produced. */
  headers: Record<string, string>;
}
