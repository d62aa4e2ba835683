import { isReservedToolName } from '../catalog/gateway-tool-names.js';
import type { ProviderRegistry } from '../catalog/registry.js';
import type { Admission } from '../dispatch/admission.js';
import { namedTarget } from '../dispatch/named-target.js';
import { admittedOf } from '../dispatch/round-admission.js';
import type { RequestContext } from '../engine/request-context.js';
import { InvalidArguments, invalidParams } from '../protocol/errors.js';
import { isObject, type JsonObject, RawJson, toolErrorResult } from '../protocol/messages.js';
import type { WorkflowCatalog } from '../workflows/workflow-tools.js';
import {
  CALL_TOOL,
  DESCRIBE_TOOL,
  isSearchToolName,
  SEARCH_TOOL,
  searchToolDefinitions,
} from './gateway-tools.js';
import {
  forwardedArguments,
  MAX_QUERY_TERMS,
  searchArguments,
  toolNameArgument,
} from './search-arguments.js';
import { inSearchMode, type SearchModeOptions } from './search-mode.js';
import { ToolIndex } from './tool-index.js';

export interface CatalogSearchOptions extends SearchModeOptions {
  /** Longest query accepted, in characters. */
  maxQueryChars: number;
  /** Most tools one search returns. */
  maxResults: number;
}

export interface CatalogSearchDeps {
  registry: ProviderRegistry;
  workflows: WorkflowCatalog;
  admission: Admission;
}

type CallTool = (ctx: RequestContext, params: JsonObject) => Promise<RawJson>;

const toolResult = (structured: JsonObject) =>
  new RawJson(
    JSON.stringify({
      content: [{ type: 'text', text: JSON.stringify(structured) }],
      structuredContent: structured,
    }),
  );

const targetOf = (d: JsonObject) => ({ name: String(d.name), annotations: d.annotations });

/** What a search result shows of a tool: enough to call it. */
function summary(definition: JsonObject): JsonObject {
  const { name, title, description, inputSchema, outputSchema, annotations } = definition;
  return { name, title, description, inputSchema, outputSchema, annotations };
}

/**
 * Search mode: callers it applies to list three gateway tools instead of the whole catalog, find
 * tools by text, and call them by name. Every answer is what the caller's policy lets it see, and
 * fleet_call_tool runs the dispatcher's own tools/call path, so admission, limits, audit and
 * metrics apply to the inner call exactly as to a direct one.
 */
export class CatalogSearch {
  private readonly index: ToolIndex;
  private readonly definitions: JsonObject[];

  constructor(
    private readonly deps: CatalogSearchDeps,
    private readonly options: CatalogSearchOptions,
  ) {
    // Workflows never change while the gateway runs: one list, so its identity marks no change.
    const workflowTools = deps.workflows.toolList;
    this.index = new ToolIndex(() => [deps.registry.catalog.toolList, workflowTools]);
    this.definitions = searchToolDefinitions(options);
  }

  /** Keeps the index in step with the catalog; returns the function that stops it. */
  start(): () => void {
    const onChange = (kinds: string[]) => {
      if (kinds.includes('tools')) void this.index.refresh();
    };
    this.deps.registry.on('listChanged', onChange);
    void this.index.refresh();
    return () => this.deps.registry.off('listChanged', onChange);
  }

  /** The answer when search mode takes this request (its tools/list, or a call of its tools), else undefined. */
  serve(
    ctx: RequestContext,
    method: string,
    params: JsonObject,
    callTool: CallTool,
  ): Promise<unknown> | undefined {
    if (method !== 'tools/list' && method !== 'tools/call') return undefined;
    if (!inSearchMode(this.options, ctx.caller, ctx.session.clientInfo)) return undefined;
    if (method === 'tools/list') return Promise.resolve({ tools: this.definitions });
    const name = params.name;
    if (typeof name !== 'string' || !isSearchToolName(name)) return undefined;
    const args = params.arguments ?? {};
    // Not the tool's to answer: a request outside CallToolRequest's shape is a protocol error.
    if (!isObject(args)) return Promise.reject(invalidParams('params.arguments must be an object'));
    return answeringArgumentErrors(() => {
      switch (name) {
        case SEARCH_TOOL:
          return this.search(ctx, args);
        case DESCRIBE_TOOL:
          return this.describe(ctx, args);
        default:
          return this.call(ctx, args, params, callTool);
      }
    });
  }

  /** Search and describe spend the caller's rate limit like a call and are audited; they call nothing. */
  private admitLookup(ctx: RequestContext, tool: string): Promise<void> {
    const { admission } = this.deps;
    return admission.admitStream(admittedOf(ctx, tool), admission.usesAny(ctx.caller, 'tools'));
  }

  private visible(ctx: RequestContext, definition: JsonObject): boolean {
    return this.deps.admission.visible(ctx.caller, 'tools', [definition], targetOf).length === 1;
  }

  private async search(ctx: RequestContext, args: JsonObject): Promise<RawJson> {
    const { query, limit } = searchArguments(args, SEARCH_TOOL, this.options);
    await this.admitLookup(ctx, SEARCH_TOOL);
    // Visibility is decided by the caller's roles alone, so callers with the same roles under the
    // same policy share what they see. A provider tool named like a search tool cannot be called
    // in search mode: never offered.
    const ranked = await this.index.rank(query, MAX_QUERY_TERMS, limit, {
      name: [...new Set(ctx.caller.roles)].sort().join('\n'),
      revision: this.deps.admission.policyRevision,
      keep: (definition) => !isSearchToolName(String(definition.name)) && this.visible(ctx, definition),
    });
    const tools = ranked.map(({ definition, score }) => ({
      ...summary(definition),
      score: Math.round(score * 1000) / 1000,
    }));
    return toolResult({ tools });
  }

  private async describe(ctx: RequestContext, args: JsonObject): Promise<RawJson> {
    const name = toolNameArgument(args, DESCRIBE_TOOL, ['name']);
    await this.admitLookup(ctx, DESCRIBE_TOOL);
    const definition = await this.index.get(name);
    // An unknown tool and one the caller may not see answer alike: nothing is learnt of the second.
    if (!definition || !this.visible(ctx, definition)) throw invalidParams(`Unknown tool: ${name}`);
    return toolResult({ tool: definition });
  }

  /**
   * The tools/call a fleet_call_tool request makes, when search mode takes it: what it is screened
   * (Mcp-Param-* headers) and planned (tasks) as, and what each round of a multi-round
   * (input_required) call is admitted as. A retry (it carries requestState) resumes the inner call
   * whatever client it names: only a search-mode round parks one, its state binds the name and
   * arguments, and a 2026-07-28 retry names its client anew (one not in search mode was admitted
   * as fleet_call_tool while it resumed the parked call). The inner target must be one policy
   * lets the caller use at all, as the header screen asks of a direct call: whether a tool the
   * caller may not use exists, runs as a task or routes arguments to headers is not its to learn.
   */
  innerCall(ctx: RequestContext, method: string, params: JsonObject): JsonObject | undefined {
    if (method !== 'tools/call' || params.name !== CALL_TOOL) return undefined;
    const retry = typeof params.requestState === 'string';
    if (!retry && !inSearchMode(this.options, ctx.caller, ctx.session.clientInfo)) return undefined;
    let inner: JsonObject;
    try {
      inner = this.inner((params.arguments ?? {}) as JsonObject, params);
    } catch (err) {
      // Arguments the call itself answers with a tool error: it makes no inner call, so it is
      // admitted as what it is, a fleet_call_tool call.
      if (err instanceof InvalidArguments) return undefined;
      throw err;
    }
    const name = String(inner.name);
    // The gateway's own tools (approvals, catalog) are no policy target: their roles decide, when called.
    if (!isReservedToolName(name))
      this.deps.admission.authorize(
        admittedOf(ctx, 'tools/call'),
        'tools',
        namedTarget(this.deps, 'tools', name),
      );
    return inner;
  }

  private inner(args: JsonObject, params: JsonObject): JsonObject {
    const name = toolNameArgument(args, CALL_TOOL, ['name', 'arguments']);
    if (isSearchToolName(name))
      throw new InvalidArguments(
        `${CALL_TOOL} calls the fleet's tools, not the gateway's search tools (${name})`,
      );
    const inner: JsonObject = { name, arguments: forwardedArguments(args, CALL_TOOL) };
    if (params._meta !== undefined) inner._meta = params._meta;
    return inner;
  }

  private call(
    ctx: RequestContext,
    args: JsonObject,
    params: JsonObject,
    callTool: CallTool,
  ): Promise<RawJson> {
    return callTool(ctx, this.inner(args, params));
  }
}

/**
 * A search tool's answer, with the arguments its own checks refuse as a tool error the model
 * reads (MCP 2025-11-25 on); what the call it makes answers passes as it is.
 */
async function answeringArgumentErrors(answer: () => Promise<RawJson>): Promise<RawJson> {
  try {
    return await answer();
  } catch (err) {
    if (err instanceof InvalidArguments) return toolErrorResult(err.message);
    throw err;
  }
}
