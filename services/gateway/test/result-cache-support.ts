import { CACHE_HIT_META } from '@mcp-fleet/contract';
import {
  type Definition,
  defineResource,
  defineTool,
  FleetError,
  type HandlerContext,
  type JsonObject,
  type ToolCacheDeclaration,
} from '@mcp-fleet/sdk';
import type { ToolAnswer } from './catalog-pin-support.js';

export const BOARD = 'board://today';

/** A read-only, idempotent tool of any arguments, declaring `cache` when given. */
const readOnly = (
  name: string,
  cache: ToolCacheDeclaration | undefined,
  handler: (args: JsonObject, ctx: HandlerContext) => string | Promise<string>,
) =>
  defineTool({
    name,
    description: `${name}, for the cache tests`,
    inputSchema: { type: 'object' },
    annotations: { readOnlyHint: true, idempotentHint: true },
    ...(cache ? { cache } : {}),
    handler,
  });

/** How often the provider really ran each tool: what tells a cache hit from a miss. */
export const runs = { lookup: 0, weather: 0, flaky: 0, plain: 0, ask: 0 };

/**
 * `lab_lookup` answers per caller (its principal, the arguments as received, a run number) and
 * is invalidated by board://today; `lab_weather` is public; `lab_flaky` fails as asked;
 * `lab_plain` declares no cache; `lab_ask` asks the user first.
 */
export const cacheDefinitions = (): Definition[] => [
  readOnly(
    'lookup',
    { ttlMs: 60_000, invalidatedBy: [BOARD] },
    (args, ctx) =>
      `${ctx.identity.principal}|${ctx.identity.roles.includes('payroll') ? 'payroll|' : ''}${JSON.stringify(args)}|${++runs.lookup}`,
  ),
  readOnly('weather', { ttlMs: 60_000, public: true }, () => `sunny ${++runs.weather}`),
  readOnly('flaky', { ttlMs: 60_000 }, (args) => {
    runs.flaky++;
    if (args.fail === 'result') throw new Error('tool failed');
    if (args.fail === 'rpc') throw new FleetError('Unavailable', 'try later');
    return `fine ${runs.flaky}`;
  }),
  readOnly('plain', undefined, () => `plain ${++runs.plain}`),
  readOnly('ask', { ttlMs: 60_000 }, async (_args, ctx) => {
    const answer = await ctx.elicit({
      message: 'which?',
      requestedSchema: { type: 'object', properties: {} },
    });
    return `${JSON.stringify(answer.content)} ${++runs.ask}`;
  }),
  defineResource({ uri: BOARD, name: 'board', subscribable: true, read: () => [] }),
];

export const textOf = (answer: ToolAnswer) => answer.result?.content?.[0]?.text;

/** The gateway's mark on an answer from its cache, if it is one. */
export const cachedOf = (answer: ToolAnswer) =>
  answer.result?._meta?.[CACHE_HIT_META] as { ageMs: number; ttlMs: number } | undefined;
