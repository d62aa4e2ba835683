import { FleetError, isLogLevel, logLevelPasses } from '@mcp-fleet/contract';
import { ROOT_CONTEXT } from '@mcp-fleet/runtime/telemetry';
import type { ProviderRegistry } from '../catalog/registry.js';
import type { RequestContext } from '../engine/request-context.js';
import type { ServerRequests } from '../engine/server-requests.js';
import type { CallerIdentity, IdentityMinter } from '../identity/minter.js';
import { unavailable } from '../protocol/errors.js';
import { type JsonObject, notification, type RawJson } from '../protocol/messages.js';
import { isModernVersion } from '../protocol/versions.js';
import { providerCall } from '../upstream/provider-mux.js';
import type { CallListener } from '../upstream/provider-stream.js';

export interface ProviderCallDeps {
  registry: ProviderRegistry;
  serverRequests: ServerRequests;
  minter: IdentityMinter;
  /** Calls share long-lived multiplexed streams per provider (MCPFLEET_PROVIDER_MUX). */
  providerMux: boolean;
}

/**
 * Asks the client of this request (sampling, elicitation, roots): an ask of its input_required
 * result on 2026-07-28, a server→client request bound to this session and caller on 2025.
 */
export function askClient(
  ctx: RequestContext,
  serverRequests: ServerRequests,
  requestMethod: string,
  method: string,
  params: JsonObject,
): Promise<JsonObject> {
  if (ctx.ask) return ctx.ask(method, params);
  const { session, caller } = ctx;
  // A 2026-07-28 request has no stream a server→client request could ride, and only the
  // requests that may answer input_required can ask: anything else would wait for nobody.
  if (isModernVersion(session.protocolVersion))
    return Promise.reject(
      new FleetError(
        'InvalidRequest',
        `${method} cannot be asked during a 2026-07-28 ${requestMethod}: only tools/call, prompts/get and resources/read may answer input_required`,
      ),
    );
  const { message, result } = serverRequests.create(
    method,
    params,
    { sessionId: session.id, principal: caller.principal },
    ctx.cancellation.signal,
  );
  ctx.emit(message);
  return result;
}

/**
 * What the provider streams during a call, turned into messages to the client of this request:
 * progress (when asked for), logs (at the session's level), and server→client requests bound to
 * this session and caller (or, for a request that may answer input_required, asks of its result).
 */
function relayTo(
  ctx: RequestContext,
  serverRequests: ServerRequests,
  requestMethod: string,
  progressToken: unknown,
): CallListener {
  const { session } = ctx;
  return {
    progress(progress, total, message) {
      if (progressToken === undefined) return;
      const payload: JsonObject = { progressToken, progress };
      if (total !== undefined) payload.total = total;
      if (message !== undefined) payload.message = message;
      ctx.emit(notification('notifications/progress', payload));
    },
    log(level, logger, data) {
      if (!isLogLevel(level) || !logLevelPasses(level, session.logLevel)) return;
      ctx.emit(notification('notifications/message', logger ? { level, logger, data } : { level, data }));
    },
    request: (method, params) => {
      // The provider asked the user: its answer is no part of a cache key, so the result is not kept.
      ctx.askedClient = true;
      return askClient(ctx, serverRequests, requestMethod, method, params);
    },
    detach: (retryMs) => ctx.detach(retryMs),
  };
}

/** Runs one request of a session on a provider, as the caller the gateway vouches for. */
export async function callProvider(
  deps: ProviderCallDeps,
  ctx: RequestContext,
  provider: string,
  method: string,
  params: JsonObject,
  timeoutMs: number,
): Promise<RawJson> {
  const client = deps.registry.client(provider);
  if (!client) throw unavailable(`Provider ${provider} is not configured`);
  const { session, caller } = ctx;
  const identity: CallerIdentity = {
    subject: caller.subject,
    principal: caller.principal,
    roles: caller.roles,
    tenant: caller.tenant,
  };
  // A 2026-07-28 request has no session: naming its one-request id would defeat the token
  // cache and sign a fresh token for every call.
  if (!isModernVersion(session.protocolVersion)) identity.sessionId = session.id;
  return providerCall(
    client,
    {
      provider,
      method,
      params,
      identityToken: await deps.minter.token(provider, identity),
      traceContext: ctx.traceContext ?? ROOT_CONTEXT,
      timeoutMs,
      cancellation: ctx.cancellation,
      clientCapabilities: session.clientCapabilities,
      logLevel: session.logLevel,
      protocolVersion: session.protocolVersion,
      listener: relayTo(ctx, deps.serverRequests, method, ((params._meta ?? {}) as JsonObject).progressToken),
    },
    deps.providerMux,
  );
}
