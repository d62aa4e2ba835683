import { CACHE_HIT_META } from '@mcp-fleet/contract';
import { type Definition, defineResource, defineTool, FleetError, type JsonObject } from '@mcp-fleet/sdk';
import type { ToolAnswer } from './catalog-pin-support.js';

export const BOARD = 'board://today';
const READ_ONLY = { readOnlyHint: true, idempotentHint: true };

/** How often the provider really ran each tool: what tells a cache hit from a miss. */
export const runs = { lookup: 0, weather: 0, flaky: 0, plain: 0, ask: 0 };

/**
 * `lab_lookup` answers per caller (its principal, the arguments as received, a run number) and
 * is invalidated by board://today; `lab_weather` is public; `lab_flaky` fails as asked;
 * `lab_plain` declares no cache; `lab_ask` asks the user first.
 */
export const cacheDefinitions = (): Definition[] => [
  defineTool({
    name: 'lookup',
    description: 'looks things up',
    inputSchema: { type: 'object' },
    annotations: READ_ONLY,
    cache: { ttlMs: 60_000, invalidatedBy: [BOARD] },
    handler: (args: JsonObject, ctx) => `${ctx.identity.principal}|${JSON.stringify(args)}|${++runs.lookup}`,
  }),
  defineTool({
    name: 'weather',
    description: 'the weather, the same for everyone',
    inputSchema: { type: 'object' },
    annotations: READ_ONLY,
    cache: { ttlMs: 60_000, public: true },
    handler: () => `sunny ${++runs.weather}`,
  }),
  defineTool({
    name: 'flaky',
    description: 'fails as asked',
    inputSchema: { type: 'object' },
    annotations: READ_ONLY,
    cache: { ttlMs: 60_000 },
    handler: (args: JsonObject) => {
      runs.flaky++;
      if (args.fail === 'result') throw new Error('tool failed');
      if (args.fail === 'rpc') throw new FleetError('Unavailable', 'try later');
      return `fine ${runs.flaky}`;
    },
  }),
  defineTool({
    name: 'plain',
    description: 'declares no cache',
    inputSchema: { type: 'object' },
    annotations: READ_ONLY,
    handler: () => `plain ${++runs.plain}`,
  }),
  defineTool({
    name: 'ask',
    description: 'asks the user, then answers',
    inputSchema: { type: 'object' },
    annotations: READ_ONLY,
    cache: { ttlMs: 60_000 },
    handler: async (_args, ctx) => {
      const answer = await ctx.elicit({
        message: 'which?',
        requestedSchema: { type: 'object', properties: {} },
      });
      return `${JSON.stringify(answer.content)} ${++runs.ask}`;
    },
  }),
  defineResource({ uri: BOARD, name: 'board', subscribable: true, read: () => [] }),
];

export const textOf = (answer: ToolAnswer) => answer.result?.content?.[0]?.text;

/** The gateway's mark on an answer from its cache, if it is one. */
export const cachedOf = (answer: ToolAnswer) =>
  answer.result?._meta?.[CACHE_HIT_META] as { ageMs: number; ttlMs: number } | undefined;
