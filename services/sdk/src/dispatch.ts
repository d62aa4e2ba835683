import { errorMessage, stringParam } from '@mcp-fleet/runtime';
import type { Catalog } from './catalog.js';
import type { CallToolResult, Completer, HandlerContext, JsonObject } from './define.js';
import { FleetError, invalidParams, methodNotFound } from './errors.js';
import { formatViolations } from './schema.js';

/** MCP caps completion answers at 100 values. */
const MAX_COMPLETIONS = 100;

function objectParam(params: JsonObject, key: string): JsonObject {
  const value = params[key] ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParams(`params.${key} must be an object`);
  }
  return value as JsonObject;
}

function stringRecord(value: JsonObject, what: string): Record<string, string> {
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw invalidParams(`${what}.${key} must be a string`);
  }
  return value as Record<string, string>;
}

/** A result the model reads as the tool's failure, with one text block. */
function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

function normaliseToolResult(result: CallToolResult | string): CallToolResult {
  if (typeof result === 'string') return { content: [{ type: 'text', text: result }] };
  if (result.structuredContent !== undefined && (!result.content || result.content.length === 0)) {
    // Clients without structured-content support still see the data (MCP recommends this).
    return { ...result, content: [{ type: 'text', text: JSON.stringify(result.structuredContent) }] };
  }
  return result;
}

async function callTool(catalog: Catalog, params: JsonObject, ctx: HandlerContext): Promise<CallToolResult> {
  const name = stringParam(params, 'name');
  const tool = catalog.tools.get(name);
  if (!tool) throw invalidParams(`Unknown tool: ${name}`);
  const args = objectParam(params, 'arguments');
  const violations = tool.validateInput(args);
  // Arguments the schema refuses are the model's to correct (MCP 2025-11-25 on, and as valid an
  // answer in every earlier revision): a result it reads, not a protocol error its client keeps
  // from it. Without the tool's name, which a gateway may expose as another.
  if (violations.length > 0) return toolError(`Invalid arguments: ${formatViolations(violations)}`);
  let result: CallToolResult;
  try {
    result = normaliseToolResult(await tool.definition.handler(args, ctx));
  } catch (err) {
    if (err instanceof FleetError) throw err;
    // A failing tool is a result the model can read, not a protocol failure.
    return toolError(errorMessage(err));
  }
  if (tool.validateOutput && !result.isError) {
    const problems = tool.validateOutput(result.structuredContent ?? {});
    if (result.structuredContent === undefined || problems.length > 0) {
      throw new FleetError(
        'InternalError',
        `Tool ${name} returned output that does not match its outputSchema: ${formatViolations(problems) || 'structuredContent is missing'}`,
      );
    }
  }
  return result;
}

async function readResource(catalog: Catalog, params: JsonObject, ctx: HandlerContext): Promise<JsonObject> {
  const uri = stringParam(params, 'uri');
  const resource = catalog.resources.get(uri);
  if (resource) return { contents: await resource.read(ctx) };
  for (const { definition, template } of catalog.templates) {
    const variables = template.match(uri);
    if (variables) return { contents: await definition.read(uri, variables, ctx) };
  }
  throw new FleetError('ResourceNotFound', `Resource not found: ${uri}`, { data: { uri } });
}

async function getPrompt(catalog: Catalog, params: JsonObject, ctx: HandlerContext): Promise<JsonObject> {
  const name = stringParam(params, 'name');
  const prompt = catalog.prompts.get(name);
  if (!prompt) throw invalidParams(`Unknown prompt: ${name}`);
  const args = stringRecord(objectParam(params, 'arguments'), 'arguments');
  const missing = (prompt.arguments ?? [])
    .filter((a) => a.required && args[a.name] === undefined)
    .map((a) => a.name);
  if (missing.length > 0)
    throw invalidParams(`Prompt ${name} is missing required arguments: ${missing.join(', ')}`);
  return await prompt.get(args, ctx);
}

function completerFor(catalog: Catalog, ref: JsonObject, argument: string): Completer | undefined {
  if (ref.type === 'ref/prompt') {
    const prompt = catalog.prompts.get(String(ref.name));
    if (!prompt) throw invalidParams(`Unknown prompt: ${String(ref.name)}`);
    return prompt.complete?.[argument];
  }
  if (ref.type === 'ref/resource') {
    const template = catalog.templates.find((t) => t.definition.uriTemplate === ref.uri);
    if (!template) throw invalidParams(`Unknown resource template: ${String(ref.uri)}`);
    return template.definition.complete?.[argument];
  }
  throw invalidParams(`Unknown completion reference type: ${String(ref.type)}`);
}

async function complete(catalog: Catalog, params: JsonObject): Promise<JsonObject> {
  const ref = objectParam(params, 'ref');
  const argument = objectParam(params, 'argument');
  const name = stringParam(argument, 'name');
  const value = typeof argument.value === 'string' ? argument.value : '';
  const context = objectParam(params, 'context');
  const others = stringRecord(objectParam(context, 'arguments'), 'context.arguments');
  const completer = completerFor(catalog, ref, name);
  const values = completer ? await completer(value, others) : [];
  return {
    completion: {
      values: values.slice(0, MAX_COMPLETIONS),
      total: values.length,
      hasMore: values.length > MAX_COMPLETIONS,
    },
  };
}

export async function dispatch(
  catalog: Catalog,
  method: string,
  params: JsonObject,
  ctx: HandlerContext,
): Promise<JsonObject> {
  switch (method) {
    case 'tools/call':
      return callTool(catalog, params, ctx);
    case 'resources/read':
      return readResource(catalog, params, ctx);
    case 'prompts/get':
      return getPrompt(catalog, params, ctx);
    case 'completion/complete':
      return complete(catalog, params);
    default:
      throw methodNotFound(method);
  }
}
