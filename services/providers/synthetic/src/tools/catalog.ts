import { defineTool, type ToolDefinition } from '@mcp-fleet/sdk';
import { capitalised, VERBS } from './verbs.js';
import { DOMAINS } from './vocabulary.js';

/** mulberry32: a small seeded generator, so one seed always yields the same catalog. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(items: readonly T[], next: () => number): T => items[Math.floor(next() * items.length)] as T;

/**
 * `count` tools over the vocabulary (every verb on every entity of every system, in a seeded
 * order), each answering with its own name and arguments. Past the vocabulary's size, names take
 * a numbered region suffix (`_r2`), as a fleet with several regional instances would.
 */
export function syntheticTools(count: number, seed: number): ToolDefinition[] {
  const next = random(seed);
  const combos = DOMAINS.flatMap((domain) =>
    domain.entities.flatMap((entity) => VERBS.map((verb) => ({ domain, entity, verb }))),
  );
  for (let i = combos.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [combos[i], combos[j]] = [combos[j] as (typeof combos)[number], combos[i] as (typeof combos)[number]];
  }
  const tools: ToolDefinition[] = [];
  for (let i = 0; i < count; i++) {
    const { domain, entity, verb } = combos[i % combos.length] as (typeof combos)[number];
    const round = Math.floor(i / combos.length);
    const suffix = round === 0 ? '' : `_r${round + 1}`;
    const name = `${domain.name}_${verb.name}_${entity.name}${suffix}`;
    const args = verb.args(entity);
    tools.push(
      defineTool({
        name,
        title: `${verb.title} ${entity.name.replace(/_/g, ' ')} (${domain.title}${round === 0 ? '' : ` region ${round + 1}`})`,
        description: capitalised(pick(verb.phrasings, next)(domain, entity)),
        inputSchema: { type: 'object', properties: args.properties, required: args.required },
        annotations: {
          readOnlyHint: verb.readOnly,
          destructiveHint: verb.destructive,
          idempotentHint: verb.readOnly,
          openWorldHint: false,
        },
        handler: (callArgs) => JSON.stringify({ tool: name, arguments: callArgs }),
      }),
    );
  }
  return tools;
}
