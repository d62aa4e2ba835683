import type { LogLevel, TaskSupport, ToolCacheDeclaration } from '@mcp-fleet/contract';
import type { JsonObject } from '@mcp-fleet/runtime';
import type { Context } from '@mcp-fleet/runtime/telemetry';
import type {
  CallToolResult,
  CompleteResult,
  ContentBlock,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  GetPromptResult,
  Icon,
  ReadResourceResult,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';

export type { CallToolResult, ContentBlock, GetPromptResult, ReadResourceResult, ToolAnnotations };

export type { JsonObject };

/** Who the call is for, as the gateway vouched for it in the internal identity token. */
export interface Identity {
  subject: string;
  /**
   * The caller, unambiguously: how it authenticated, who vouched for it (issuer), its tenant and
   * subject in one string. Two callers may share a subject (an API key's and a JWT's); they never
   * share a principal. Key per-caller state (caches, quotas) by this, not by `subject`.
   */
  principal: string;
  tenant?: string;
  roles: string[];
  sessionId?: string;
}

/** What every handler receives besides its arguments. */
export interface HandlerContext {
  identity: Identity;
  /** Aborted when the caller cancels, the deadline passes or the provider shuts down. */
  signal: AbortSignal;
  /** The trace context of this call: parent for the spans of the handler's own work. */
  traceContext: Context;
  /** MCP protocol version the client negotiated with the gateway. */
  protocolVersion: string;
  /** The client's declared capabilities; `sample()` and `elicit()` check them for you. */
  clientCapabilities: JsonObject;
  /** The request's `_meta`, unchanged. */
  meta: JsonObject;
  /** Reports progress; a no-op when the client sent no progress token. */
  progress(progress: number, total?: number, message?: string): void;
  /** Sends an MCP log notification to the client, filtered by its logging level. */
  log(level: LogLevel, data: unknown, logger?: string): void;
  /** Asks the client's model for a completion (MCP sampling). */
  sample(params: CreateMessageRequestParams): Promise<CreateMessageResult>;
  /** Asks the user for input through the client (MCP elicitation). */
  elicit(params: ElicitRequestParams): Promise<ElicitResult>;
  /** Any other server-to-client request, e.g. `roots/list`. */
  request(method: string, params?: JsonObject): Promise<JsonObject>;
  /**
   * Lets the client drop its connection while this call goes on; it reconnects after `retryMs`
   * and receives what it missed (MCP SSE polling). For long-running work.
   */
  detach(retryMs: number): void;
}

export interface ToolDefinition<Args extends JsonObject = JsonObject> {
  kind: 'tool';
  /** Short name inside the provider; the gateway exposes it as `<prefix>_<name>`. */
  name: string;
  title?: string;
  description: string;
  /** JSON Schema (2020-12) for the arguments; validated before the handler runs. */
  inputSchema: JsonObject;
  /** When set, `structuredContent` of every result is validated against it. */
  outputSchema?: JsonObject;
  annotations?: ToolAnnotations;
  icons?: Icon[];
  /**
   * Whether a 2026-07-28 client that opted into the tasks extension gets the call as a task it
   * polls (tasks/get) instead of waiting for the result: default `forbidden`.
   */
  taskSupport?: TaskSupport;
  /**
   * With taskSupport: the first input the handler asks for (ctx.elicit/sample) is gathered in an
   * input_required round before the call becomes a task; the task then runs on the answers.
   */
  inputBeforeTask?: boolean;
  /**
   * Lets the gateway answer repeated identical calls (same arguments, same caller identity and
   * roles unless `public`, same protocol version and client capabilities) from its cache for
   * `ttlMs`. Only for tools annotated readOnlyHint and idempotentHint, whose result then must not
   * depend on `ctx.meta` or the session.
   */
  cache?: ToolCacheDeclaration;
  /** Returning a string is shorthand for one text content block. Throwing yields `isError: true`. */
  handler(args: Args, ctx: HandlerContext): Promise<CallToolResult | string> | CallToolResult | string;
}

export type ResourceContents = ReadResourceResult['contents'];

export interface ResourceDefinition {
  kind: 'resource';
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  /** Whether the provider announces changes of this resource (see ProviderHandle.resourceUpdated). */
  subscribable?: boolean;
  read(ctx: HandlerContext): Promise<ResourceContents> | ResourceContents;
}

/** Suggests values for one argument from what the user typed so far and the other arguments. */
export type Completer = (
  value: string,
  otherArguments: Record<string, string>,
) => Promise<string[]> | string[];

export interface ResourceTemplateDefinition {
  kind: 'resourceTemplate';
  /** RFC 6570 level-1 template: `{name}` matches one path segment. */
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  complete?: Record<string, Completer>;
  read(
    uri: string,
    variables: Record<string, string>,
    ctx: HandlerContext,
  ): Promise<ResourceContents> | ResourceContents;
}

export interface PromptArgument {
  name: string;
  title?: string;
  description?: string;
  required?: boolean;
}

export interface PromptDefinition {
  kind: 'prompt';
  name: string;
  title?: string;
  description?: string;
  arguments?: PromptArgument[];
  complete?: Record<string, Completer>;
  get(args: Record<string, string>, ctx: HandlerContext): Promise<GetPromptResult> | GetPromptResult;
}

export type Definition = ToolDefinition | ResourceDefinition | ResourceTemplateDefinition | PromptDefinition;

export type CompletionResult = CompleteResult;

export function defineTool<Args extends JsonObject = JsonObject>(
  tool: Omit<ToolDefinition<Args>, 'kind'>,
): ToolDefinition<JsonObject> {
  return { kind: 'tool', ...tool } as ToolDefinition<JsonObject>;
}

export function defineResource(resource: Omit<ResourceDefinition, 'kind'>): ResourceDefinition {
  return { kind: 'resource', ...resource };
}

export function defineResourceTemplate(
  template: Omit<ResourceTemplateDefinition, 'kind'>,
): ResourceTemplateDefinition {
  return { kind: 'resourceTemplate', ...template };
}

export function definePrompt(prompt: Omit<PromptDefinition, 'kind'>): PromptDefinition {
  return { kind: 'prompt', ...prompt };
}
