import { GATEWAY_TOOLS } from '../catalog/gateway-tool-names.js';
import type { JsonObject } from '../protocol/messages.js';

export const SEARCH_TOOL = GATEWAY_TOOLS.searchTools;
export const DESCRIBE_TOOL = GATEWAY_TOOLS.describeTool;
export const CALL_TOOL = GATEWAY_TOOLS.callTool;

const NAMES: ReadonlySet<string> = new Set([SEARCH_TOOL, DESCRIBE_TOOL, CALL_TOOL]);

/** Whether `name` is one of the gateway's own search-mode tools. */
export const isSearchToolName = (name: string): boolean => NAMES.has(name);

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const TOOL_NAME = { type: 'string', minLength: 1, maxLength: 64, description: 'Exact tool name' };

/** The tools/list of a caller in search mode: three tools in place of the whole catalog. */
export function searchToolDefinitions(limits: { maxQueryChars: number; maxResults: number }): JsonObject[] {
  return [
    {
      name: SEARCH_TOOL,
      title: 'Search tools',
      description:
        'Finds the tools of this fleet that best match a description of what you want to do, with their input schemas. Call one with fleet_call_tool.',
      inputSchema: {
        type: 'object',
        properties: {
          query: {
            type: 'string',
            minLength: 1,
            maxLength: limits.maxQueryChars,
            description: 'What you want to do, in a few words (e.g. "list pods in a namespace")',
          },
          limit: {
            type: 'integer',
            minimum: 1,
            maximum: limits.maxResults,
            description: `How many tools to return (default ${Math.min(5, limits.maxResults)})`,
          },
        },
        required: ['query'],
        additionalProperties: false,
      },
      annotations: READ_ONLY,
    },
    {
      name: DESCRIBE_TOOL,
      title: 'Describe a tool',
      description: 'Returns the full definition of one tool (schemas, annotations) by its exact name.',
      inputSchema: {
        type: 'object',
        properties: { name: TOOL_NAME },
        required: ['name'],
        additionalProperties: false,
      },
      annotations: READ_ONLY,
    },
    {
      name: CALL_TOOL,
      title: 'Call a tool',
      description:
        'Calls a tool found with fleet_search_tools by its exact name, with arguments matching its input schema, and returns its result.',
      inputSchema: {
        type: 'object',
        properties: {
          name: TOOL_NAME,
          arguments: { type: 'object', description: "The tool's arguments" },
        },
        required: ['name'],
        additionalProperties: false,
      },
      // It may call anything the caller may call: no stronger promise than that.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
  ];
}
