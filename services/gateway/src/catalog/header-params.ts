import { isObject } from '../protocol/messages.js';

/** A tool argument a 2026-07-28 HTTP client repeats in an `Mcp-Param-<header>` header (SEP-2243). */
export interface HeaderParam {
  /** The header's name after `Mcp-Param-`, as declared. */
  header: string;
  /** The property keys leading to the argument from the arguments object. */
  path: string[];
  type: 'string' | 'integer' | 'boolean';
}

/** RFC 9110 token characters: what an `x-mcp-header` name may consist of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PRIMITIVES: ReadonlySet<unknown> = new Set(['string', 'integer', 'boolean']);

/**
 * The `x-mcp-header` declarations of a tool's input schema, reached through `properties` chains
 * only, as SEP-2243 allows them: valid token names of primitive (string, integer, boolean)
 * properties. Anything else declared is not a routing header, and clients drop such tools.
 */
export function headerParamsOf(inputSchema: unknown, path: string[] = []): HeaderParam[] {
  if (!isObject(inputSchema) || !isObject(inputSchema.properties)) return [];
  const found: HeaderParam[] = [];
  for (const [key, property] of Object.entries(inputSchema.properties)) {
    if (!isObject(property)) continue;
    const header = property['x-mcp-header'];
    if (typeof header === 'string' && TOKEN.test(header) && PRIMITIVES.has(property.type))
      found.push({ header, path: [...path, key], type: property.type as HeaderParam['type'] });
    found.push(...headerParamsOf(property, [...path, key]));
  }
  return found;
}
