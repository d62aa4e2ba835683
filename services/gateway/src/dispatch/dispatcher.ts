import { setTimeout as sleep } from 'node:timers/promises';
import { FleetError, isLogLevel } from '@mcp-fleet/contract';
import { stringParam } from '@mcp-fleet/runtime';
import {
  contextFromMeta,
  failSpan,
  hasTraceIds,
  ROOT_CONTEXT,
  startMcpSpan,
  trace,
} from '@mcp-fleet/runtime/telemetry';
import type { Logger } from 'pino';
import type { ApprovalGate } from '../approvals/approval-gate.js';
import type { CatalogAdmin } from '../catalog/catalog-admin.js';
import type { MergedCatalog } from '../catalog/merged.js';
import type { PinGate } from '../catalog/pin-gate.js';
import type { ProviderRegistry } from '../catalog/registry.js';
import type { CatalogSearch } from '../catalog-search/catalog-search.js';
import type { RequestContext, RequestHandler, ServerDescription } from '../engine/request-context.js';
import type { ServerRequests } from '../engine/server-requests.js';
import type { IdentityMinter } from '../identity/minter.js';
import type { AdmitRound, InputRequired } from '../input-required/input-required.js';
import type { PolicyTarget } from '../policy/annotations.js';
import type { Kind } from '../policy/policy-file.js';
import { invalidParams, methodNotFound, unavailable } from '../protocol/errors.js';
import type { JsonObject, RawJson } from '../protocol/messages.js';
import { paginate } from '../protocol/pagination.js';
import type { ResultCache } from '../result-cache/result-cache.js';
import type { SessionStore } from '../session/types.js';
import { errorCodeLabel } from '../telemetry/labels.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { UNKNOWN, WORKFLOW_PROVIDER } from '../telemetry/tool-metrics.js';
import { UpstreamUnavailable } from '../upstream/provider-stream.js';
import type { WorkflowCatalog } from '../workflows/workflow-tools.js';
import type { Admission } from './admission.js';
import { callProvider } from './provider-call.js';
import { admittedOf, roundAdmission } from './round-admission.js';
import { callWorkflow } from './workflow-call.js';

export const SERVER_INFO = { name: 'mcp-fleet-gateway', title: 'MCP Fleet', version: '0.1.0' };

const CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
};

/** Methods the gateway answers itself, without a provider. */
const LOCAL_METHODS: ReadonlySet<string> = new Set([
  'ping',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'prompts/list',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);

/** Every method `route` answers. */
const METHODS = new Set([
  ...LOCAL_METHODS,
  'tools/call',
  'prompts/get',
  'resources/read',
  'completion/complete',
]);

/** A list the gateway answers from its catalog: the result's field, and what policy sees of each item. */
interface CatalogList {
  field: string;
  kind: Kind;
  items(catalog: MergedCatalog, workflows: WorkflowCatalog): JsonObject[];
  targetOf(item: JsonObject): PolicyTarget;
}

/** By method: a Map, since the method is the client's text (`constructor` is no list). */
const LISTS: ReadonlyMap<string, CatalogList> = new Map(
  Object.entries({
    'tools/list': {
      field: 'tools',
      kind: 'tools',
      items: (catalog, workflows) => [...catalog.toolList, ...workflows.toolList],
      targetOf: (d) => ({ name: String(d.name), annotations: d.annotations }),
    },
    'resources/list': {
      field: 'resources',
      kind: 'resources',
      items: (catalog) => catalog.resourceList,
      targetOf: (d) => ({ name: String(d.uri) }),
    },
    'resources/templates/list': {
      field: 'resourceTemplates',
      kind: 'resources',
      items: (catalog) => catalog.templateList,
      targetOf: (d) => ({ name: String(d.uriTemplate) }),
    },
    'prompts/list': {
      field: 'prompts',
      kind: 'prompts',
      items: (catalog) => catalog.promptList,
      targetOf: (d) => ({ name: String(d.name) }),
    },
  } satisfies Record<string, CatalogList>),
);

/** A retryable call that found its provider unreachable waits this long before its one retry. */
const RETRY_DELAY_MS = 100;

export interface DispatcherDeps {
  metrics: GatewayMetrics;
  registry: ProviderRegistry;
  admission: Admission;
  minter: IdentityMinter;
  providerMux: boolean;
  sessions: SessionStore;
  serverRequests: ServerRequests;
  pageSize: number;
  logger: Logger;
  workflows: WorkflowCatalog;
  inputRequired: InputRequired;
  approvals: ApprovalGate;
  catalogSearch: CatalogSearch;
  pins: PinGate;
  catalogAdmin: CatalogAdmin;
  resultCache: ResultCache;
}

/** Answers every MCP request of an initialised session: locally, or by forwarding to a provider. */
export class Dispatcher implements RequestHandler {
  private readonly admitRound: AdmitRound;

  constructor(private readonly deps: DispatcherDeps) {
    this.admitRound = roundAdmission(deps);
  }

  describe(): ServerDescription {
    const { instructions } = this.deps.registry.catalog;
    return { capabilities: CAPABILITIES, serverInfo: SERVER_INFO, ...(instructions ? { instructions } : {}) };
  }

  answersAtOnce(method: string): boolean {
    return LOCAL_METHODS.has(method);
  }

  /** Answers one request inside a server span (OTel MCP conventions), counted per method and outcome. */
  async request(ctx: RequestContext, method: string, params: JsonObject): Promise<unknown> {
    const parent = contextFromMeta(params._meta) ?? ctx.traceContext ?? ROOT_CONTEXT;
    const span = startMcpSpan(method, params, parent, {
      'mcp.session.id': ctx.session.id,
      'jsonrpc.request.id': String(ctx.requestId),
    });
    const spanContext = span.spanContext();
    if (hasTraceIds(spanContext)) ctx.traceId = spanContext.traceId;
    // From here on the request's own span is the parent of what it causes (admission, the provider call).
    ctx.traceContext = trace.setSpan(parent, span);
    const started = performance.now();
    let outcome = 'ok';
    try {
      return await this.route(ctx, method, params);
    } catch (err) {
      outcome = errorCodeLabel(err);
      failSpan(span, outcome, (err as Error).message);
      throw err;
    } finally {
      span.end();
      // A method name is the client's text: only the ones served get a series of their own.
      const labels = { method: METHODS.has(method) ? method : UNKNOWN, outcome };
      this.deps.metrics.requests.inc(labels.method, outcome, labels);
      this.deps.metrics.duration.observe(labels, (performance.now() - started) / 1000);
    }
  }

  private async route(ctx: RequestContext, method: string, params: JsonObject): Promise<unknown> {
    const { inputRequired } = this.deps;
    if (inputRequired.serves(ctx, method))
      return inputRequired.serve(ctx, method, params, {
        work: (c, p) => this.route(c, method, p) as Promise<RawJson>,
        admit: this.admitRound,
      });
    const searched = this.deps.catalogSearch.serve(ctx, method, params, (c, p) => this.callTool(c, p));
    if (searched) return searched;
    const list = LISTS.get(method);
    if (list)
      return this.list(ctx, list, list.items(this.deps.registry.catalog, this.deps.workflows), params.cursor);
    switch (method) {
      case 'ping':
        return {};
      case 'logging/setLevel': {
        const level = stringParam(params, 'level');
        if (!isLogLevel(level)) throw invalidParams(`Unknown logging level: ${level}`);
        await this.deps.sessions.setLogLevel(ctx.session.id, level);
        return {};
      }
      case 'resources/subscribe': {
        const uri = stringParam(params, 'uri');
        this.requireVisible(ctx, 'resources', uri);
        await this.deps.sessions.subscribe(ctx.session.id, uri);
        return {};
      }
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

  /** One page of a list, showing only what the caller's policy lets it use. */
  private list(ctx: RequestContext, list: CatalogList, items: JsonObject[], cursor: unknown) {
    const visible = this.deps.admission.visible(ctx.caller, list.kind, items, list.targetOf);
    // The gateway's own tools of this caller's roles (approvers, catalog operators) follow the catalog's.
    if (list.kind === 'tools')
      visible.push(
        ...this.deps.approvals.tools.visibleTo(ctx.caller),
        ...this.deps.catalogAdmin.toolsFor(ctx.caller),
      );
    const { page, nextCursor } = paginate(visible, cursor, this.deps.pageSize);
    return nextCursor ? { [list.field]: page, nextCursor } : { [list.field]: page };
  }

  private requireVisible(ctx: RequestContext, kind: Kind, name: string): void {
    if (this.deps.admission.visible(ctx.caller, kind, [{ name }], (d) => d).length === 0) {
      throw new FleetError(
        'Forbidden',
        `Forbidden: no policy rule allows ${kind.slice(0, -1)} ${name} for your roles`,
      );
    }
  }

  private async callTool(ctx: RequestContext, params: JsonObject): Promise<RawJson> {
    const name = stringParam(params, 'name');
    const args = (params.arguments ?? {}) as JsonObject;
    const local = this.deps.approvals.tools.call(ctx, name, args);
    if (local) return local;
    if (this.deps.catalogAdmin.serves(name)) return this.deps.catalogAdmin.call(ctx, name, args);
    const workflow = this.deps.workflows.get(name);
    const tools = this.deps.metrics.tools;
    if (workflow)
      return tools
        .of(workflow, WORKFLOW_PROVIDER, name)
        .measure(() =>
          this.admitted(
            ctx,
            'tools/call',
            'tools',
            { name, annotations: workflow.definition.annotations },
            args,
            () => callWorkflow(this.deps, ctx, workflow, args, params, (inner, p) => this.callTool(inner, p)),
            true,
          ),
        );
    // Admitted with the annotations of the very route it is then forwarded to.
    const route = this.deps.registry.catalog.tools.get(name);
    return tools.forCall(name, route, this.deps.registry.catalog.unavailable).measure(() =>
      this.admitted(
        ctx,
        'tools/call',
        'tools',
        { name, annotations: route?.annotations },
        args,
        async () => {
          if (!route) throw this.unknown('tool', name);
          const forwarded = { ...params, name: route.name };
          const attempt = () =>
            this.deps.resultCache.through(ctx, name, route, args, () =>
              this.callOnProvider(ctx, route.provider, 'tools/call', forwarded, route.timeoutMs),
            );
          try {
            return await attempt();
          } catch (err) {
            // A read-only or idempotent tool that never started is safe to try once more.
            if (
              !(err instanceof UpstreamUnavailable && err.beforeAnyFrame && route.retryable) ||
              ctx.cancellation.aborted
            )
              throw err;
            await sleep(RETRY_DELAY_MS);
            return attempt();
          }
        },
        route !== undefined,
      ),
    );
  }

  private getPrompt(ctx: RequestContext, params: JsonObject): Promise<RawJson> {
    const name = stringParam(params, 'name');
    return this.admitted(ctx, 'prompts/get', 'prompts', { name }, undefined, () => {
      const route = this.deps.registry.catalog.prompts.get(name);
      if (!route) throw this.unknown('prompt', name);
      return this.callOnProvider(
        ctx,
        route.provider,
        'prompts/get',
        { ...params, name: route.name },
        route.timeoutMs,
      );
    });
  }

  private readResource(ctx: RequestContext, params: JsonObject): Promise<RawJson> {
    const uri = stringParam(params, 'uri');
    return this.admitted(ctx, 'resources/read', 'resources', { name: uri }, undefined, () => {
      const catalog = this.deps.registry.catalog;
      const route = catalog.resources.get(uri) ?? catalog.templates.find((t) => t.template.match(uri));
      if (!route)
        throw (
          this.deps.pins.heldError('resource', uri) ??
          new FleetError('ResourceNotFound', `Resource not found: ${uri}`, { data: { uri } })
        );
      return this.callOnProvider(ctx, route.provider, 'resources/read', params, route.timeoutMs);
    });
  }

  private complete(ctx: RequestContext, params: JsonObject): Promise<RawJson> {
    const ref = (params.ref ?? {}) as JsonObject;
    const catalog = this.deps.registry.catalog;
    if (ref.type === 'ref/prompt') {
      const name = stringParam(ref, 'name');
      return this.admitted(ctx, 'completion/complete', 'prompts', { name }, undefined, () => {
        const route = catalog.prompts.get(name);
        if (!route) throw this.unknown('prompt', name);
        const forwarded = { ...params, ref: { ...ref, name: route.name } };
        return this.callOnProvider(ctx, route.provider, 'completion/complete', forwarded, route.timeoutMs);
      });
    }
    if (ref.type === 'ref/resource') {
      const uri = stringParam(ref, 'uri');
      return this.admitted(ctx, 'completion/complete', 'resources', { name: uri }, undefined, () => {
        const route = catalog.templates.find((t) => t.uriTemplate === uri);
        if (!route) throw invalidParams(`Unknown resource template: ${uri}`);
        return this.callOnProvider(ctx, route.provider, 'completion/complete', params, route.timeoutMs);
      });
    }
    throw invalidParams('params.ref.type must be ref/prompt or ref/resource');
  }

  /**
   * Runs `work` once admission lets it through, and audits how it ended. A `gated` call (a tool
   * whose route or workflow `work` will use) first passes the approval its policy rule asks for, if
   * any; an unknown tool is refused by `work` without anybody being asked to approve it.
   */
  private async admitted(
    ctx: RequestContext,
    method: string,
    kind: Kind,
    target: PolicyTarget,
    args: JsonObject | undefined,
    work: () => Promise<RawJson>,
    gated = false,
  ): Promise<RawJson> {
    const end = await this.deps.admission.admit(admittedOf(ctx, method), kind, target, args);
    try {
      // Most calls need no approval: they pay no extra turn of the event loop for the gate.
      if (end.approval && gated) await this.deps.approvals.pass(ctx, target, args ?? {}, end.approval);
      const result = await work();
      end(result.isToolError ? 'tool_error' : 'ok');
      return result;
    } catch (err) {
      end('error', err instanceof FleetError ? String(err.code) : 'internal');
      throw err;
    }
  }

  private unknown(kind: 'tool' | 'prompt', name: string): FleetError {
    const held = this.deps.pins.heldError(kind, name);
    if (held) return held;
    const provider = this.deps.registry.catalog.unavailable.get(name);
    return provider
      ? unavailable(`The ${kind} ${name} is temporarily unavailable: provider ${provider} is unreachable`)
      : invalidParams(`Unknown ${kind}: ${name}`);
  }

  private callOnProvider(
    ctx: RequestContext,
    provider: string,
    method: string,
    params: JsonObject,
    timeoutMs: number,
  ) {
    return callProvider(this.deps, ctx, provider, method, params, timeoutMs);
  }
}
