import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, isLogLevel, type LogLevel, logLevelPasses } from '@mcp-fleet/contract';
import type { Logger } from 'pino';
import type { ProviderRegistry } from '../catalog/registry.js';
import { invalidParams, JsonRpcError, methodNotFound, unavailable } from '../errors.js';
import type { CallerIdentity, IdentityMinter } from '../identity/minter.js';
import type { SessionData, SessionStore } from '../session/types.js';
import { type CallListener, forward, UpstreamUnavailable } from '../upstream/forward.js';
import {
  type JsonObject,
  type JsonRpcMessage,
  notification,
  type RawJson,
  type RequestId,
} from './messages.js';
import { paginate } from './pagination.js';
import type { ServerRequests } from './server-requests.js';
import { negotiateVersion } from './versions.js';

export const SERVER_INFO = { name: 'mcp-fleet-gateway', title: 'MCP Fleet', version: '0.1.0' };

const CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
};

/** A retryable call that found its provider unreachable waits this long before its one retry. */
const RETRY_DELAY_MS = 100;

/** One client request being answered, as the dispatcher sees it. */
export interface RequestContext {
  session: SessionData;
  caller: CallerIdentity;
  requestId: RequestId;
  /** Aborted by notifications/cancelled, session deletion or shutdown. */
  signal: AbortSignal;
  /** Sends a message related to this request (progress, log, server request) to the client. */
  emit(message: JsonRpcMessage): void;
  /** Lets the client drop its connection and resume later (SSE polling). */
  detach(retryMs: number): void;
}

export interface DispatcherDeps {
  registry: ProviderRegistry;
  minter: IdentityMinter;
  sessions: SessionStore;
  serverRequests: ServerRequests;
  pageSize: number;
  logger: Logger;
}

function stringParam(params: JsonObject, key: string): string {
  const value = params[key];
  if (typeof value !== 'string') throw invalidParams(`params.${key} must be a string`);
  return value;
}

/** Answers every MCP request of an initialised session: locally, or by forwarding to a provider. */
export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  /** The result of `initialize`, and the session it starts. */
  initialize(params: JsonObject, id: string): { session: SessionData; result: JsonObject } {
    const protocolVersion = negotiateVersion(params.protocolVersion);
    const session: SessionData = {
      id,
      protocolVersion,
      clientCapabilities: (params.capabilities as JsonObject | undefined) ?? {},
      clientInfo: (params.clientInfo as JsonObject | undefined) ?? {},
      logLevel: 'info',
      createdAt: Date.now(),
    };
    const result: JsonObject = { protocolVersion, capabilities: CAPABILITIES, serverInfo: SERVER_INFO };
    const instructions = this.deps.registry.catalog.instructions;
    if (instructions) result.instructions = instructions;
    return { session, result };
  }

  async request(ctx: RequestContext, method: string, params: JsonObject): Promise<unknown> {
    const catalog = this.deps.registry.catalog;
    const { pageSize } = this.deps;
    switch (method) {
      case 'ping':
        return {};
      case 'tools/list': {
        const { page, nextCursor } = paginate(catalog.toolList, params.cursor, pageSize);
        return { tools: page, ...(nextCursor ? { nextCursor } : {}) };
      }
      case 'resources/list': {
        const { page, nextCursor } = paginate(catalog.resourceList, params.cursor, pageSize);
        return { resources: page, ...(nextCursor ? { nextCursor } : {}) };
      }
      case 'resources/templates/list': {
        const { page, nextCursor } = paginate(catalog.templateList, params.cursor, pageSize);
        return { resourceTemplates: page, ...(nextCursor ? { nextCursor } : {}) };
      }
      case 'prompts/list': {
        const { page, nextCursor } = paginate(catalog.promptList, params.cursor, pageSize);
        return { prompts: page, ...(nextCursor ? { nextCursor } : {}) };
      }
      case 'logging/setLevel': {
        const level = stringParam(params, 'level');
        if (!isLogLevel(level)) throw invalidParams(`Unknown logging level: ${level}`);
        await this.deps.sessions.setLogLevel(ctx.session.id, level);
        return {};
      }
      case 'resources/subscribe':
        await this.deps.sessions.subscribe(ctx.session.id, stringParam(params, 'uri'));
        return {};
      case 'resources/unsubscribe':
        await this.deps.sessions.unsubscribe(ctx.session.id, stringParam(params, 'uri'));
        return {};
      case 'tools/call':
        return this.callTool(ctx, params);
      case 'prompts/get':
        return this.getPrompt(ctx, params);
      case 'resources/read':
        return this.readResource(ctx, params);
      case 'completion/complete':
        return this.complete(ctx, params);
      default:
        throw methodNotFound(method);
    }
  }

  private async callTool(ctx: RequestContext, params: JsonObject): Promise<RawJson> {
    const name = stringParam(params, 'name');
    const route = this.deps.registry.catalog.tools.get(name);
    if (!route) throw this.unknown('tool', name);
    const forwarded = { ...params, name: route.name };
    const attempt = () => this.forward(ctx, route.provider, 'tools/call', forwarded, route.timeoutMs);
    try {
      return await attempt();
    } catch (err) {
      // A read-only or idempotent tool that never started is safe to try once more.
      if (
        !(err instanceof UpstreamUnavailable && err.beforeAnyFrame && route.retryable) ||
        ctx.signal.aborted
      )
        throw err;
      await sleep(RETRY_DELAY_MS);
      return attempt();
    }
  }

  private getPrompt(ctx: RequestContext, params: JsonObject): Promise<RawJson> {
    const name = stringParam(params, 'name');
    const route = this.deps.registry.catalog.prompts.get(name);
    if (!route) throw this.unknown('prompt', name);
    return this.forward(ctx, route.provider, 'prompts/get', { ...params, name: route.name }, route.timeoutMs);
  }

  private readResource(ctx: RequestContext, params: JsonObject): Promise<RawJson> {
    const uri = stringParam(params, 'uri');
    const catalog = this.deps.registry.catalog;
    const route = catalog.resources.get(uri) ?? catalog.templates.find((t) => t.template.match(uri));
    if (!route) throw new JsonRpcError(ErrorCode.ResourceNotFound, `Resource not found: ${uri}`, { uri });
    return this.forward(ctx, route.provider, 'resources/read', params, route.timeoutMs);
  }

  private complete(ctx: RequestContext, params: JsonObject): Promise<RawJson> {
    const ref = (params.ref ?? {}) as JsonObject;
    const catalog = this.deps.registry.catalog;
    if (ref.type === 'ref/prompt') {
      const name = stringParam(ref, 'name');
      const route = catalog.prompts.get(name);
      if (!route) throw this.unknown('prompt', name);
      const forwarded = { ...params, ref: { ...ref, name: route.name } };
      return this.forward(ctx, route.provider, 'completion/complete', forwarded, route.timeoutMs);
    }
    if (ref.type === 'ref/resource') {
      const uri = stringParam(ref, 'uri');
      const route = catalog.templates.find((t) => t.uriTemplate === uri);
      if (!route) throw invalidParams(`Unknown resource template: ${uri}`);
      return this.forward(ctx, route.provider, 'completion/complete', params, route.timeoutMs);
    }
    throw invalidParams('params.ref.type must be ref/prompt or ref/resource');
  }

  private unknown(kind: 'tool' | 'prompt', name: string): JsonRpcError {
    const provider = this.deps.registry.catalog.unavailable.get(name);
    return provider
      ? unavailable(`The ${kind} ${name} is temporarily unavailable: provider ${provider} is unreachable`)
      : invalidParams(`Unknown ${kind}: ${name}`);
  }

  private async forward(
    ctx: RequestContext,
    provider: string,
    method: string,
    params: JsonObject,
    timeoutMs: number,
  ) {
    const client = this.deps.registry.client(provider);
    if (!client) throw unavailable(`Provider ${provider} is not configured`);
    const { session } = ctx;
    const meta = (params._meta ?? {}) as JsonObject;
    const progressToken = meta.progressToken;
    const listener: CallListener = {
      progress(progress, total, message) {
        if (progressToken === undefined) return;
        const payload: JsonObject = { progressToken, progress };
        if (total !== undefined) payload.total = total;
        if (message !== undefined) payload.message = message;
        ctx.emit(notification('notifications/progress', payload));
      },
      log(level, logger, data) {
        if (!isLogLevel(level) || !logLevelPasses(level, session.logLevel as LogLevel)) return;
        ctx.emit(notification('notifications/message', logger ? { level, logger, data } : { level, data }));
      },
      request: (requestMethod, requestParams) => {
        const { message, result } = this.deps.serverRequests.create(requestMethod, requestParams, ctx.signal);
        ctx.emit(message);
        return result;
      },
      detach: (retryMs) => ctx.detach(retryMs),
    };
    return forward(client, {
      provider,
      method,
      params,
      identityToken: await this.deps.minter.token(provider, ctx.caller),
      timeoutMs,
      signal: ctx.signal,
      clientCapabilities: session.clientCapabilities,
      logLevel: session.logLevel,
      protocolVersion: session.protocolVersion,
      listener,
    });
  }
}
