import { InvalidArguments } from '../protocol/errors.js';
import { isObject, type JsonObject } from '../protocol/messages.js';

/** Distinct query terms scored at most: a query is a few words, not a document. */
export const MAX_QUERY_TERMS = 32;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function only(args: JsonObject, tool: string, allowed: readonly string[]): void {
  const extra = Object.keys(args).find((key) => !allowed.includes(key));
  if (extra !== undefined)
    throw new InvalidArguments(`Invalid arguments for ${tool}: unknown argument ${extra.slice(0, 64)}`);
}

/** The search's arguments, checked before any work: a bounded query and a bounded result count. */
export function searchArguments(
  args: JsonObject,
  tool: string,
  limits: { maxQueryChars: number; maxResults: number },
): { query: string; limit: number } {
  only(args, tool, ['query', 'limit']);
  const { query, limit = Math.min(5, limits.maxResults) } = args;
  if (typeof query !== 'string' || query.trim() === '')
    throw new InvalidArguments(`Invalid arguments for ${tool}: query must be a non-empty string`);
  if (query.length > limits.maxQueryChars)
    throw new InvalidArguments(
      `Invalid arguments for ${tool}: query is longer than ${limits.maxQueryChars} characters`,
    );
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > limits.maxResults)
    throw new InvalidArguments(
      `Invalid arguments for ${tool}: limit must be an integer from 1 to ${limits.maxResults}`,
    );
  return { query, limit };
}

/** A tool name as an argument: the exposed-name alphabet, so no glob or path reaches a lookup. */
export function toolNameArgument(args: JsonObject, tool: string, allowed: readonly string[]): string {
  only(args, tool, allowed);
  const { name } = args;
  if (typeof name !== 'string' || !NAME.test(name))
    throw new InvalidArguments(`Invalid arguments for ${tool}: name must match ${NAME.source}`);
  return name;
}

/** The arguments fleet_call_tool passes on: an object, as tools/call takes. */
export function forwardedArguments(args: JsonObject, tool: string): JsonObject {
  const inner = args.arguments ?? {};
  if (!isObject(inner))
    throw new InvalidArguments(`Invalid arguments for ${tool}: arguments must be an object`);
  return inner;
}
