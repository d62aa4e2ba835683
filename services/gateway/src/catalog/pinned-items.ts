import type { DescribeResponse__Output } from '@mcp-fleet/contract';
import { exposedName } from './merged.js';

/** The parts of a provider's catalog whose text reaches the model, each pinned like a tool. */
export type PinnedKind = 'tool' | 'prompt' | 'resource' | 'template' | 'instructions';

/** One pinned part of a provider's catalog. */
export interface PinnedItem {
  kind: PinnedKind;
  /** Its pin's key among the provider's pins: a tool's own name (as pins always were), else `<kind>:<key>`. */
  key: string;
  /** What clients see it as: the exposed tool or prompt name, the resource URI or template, the provider's name for its instructions. */
  name: string;
  definitionJson: Buffer;
}

/** No tool's key has a colon (clients could not call it: the merged catalog refuses such names). */
const INSTRUCTIONS = 'instructions:';

/** Every pinned part of a catalog: tools, prompts, resources, resource templates and the server instructions. */
export function pinnedItems(
  provider: string,
  prefix: string,
  describe: DescribeResponse__Output,
): PinnedItem[] {
  const of = (
    kind: PinnedKind,
    items: readonly { key: string; definitionJson: Buffer }[],
    nameOf: (key: string) => string,
  ): PinnedItem[] =>
    items.map((item) => ({
      kind,
      key: kind === 'tool' ? item.key : `${kind}:${item.key}`,
      name: nameOf(item.key),
      definitionJson: item.definitionJson,
    }));
  const same = (key: string) => key;
  const exposed = (key: string) => exposedName(prefix, key);
  return [
    ...of(
      'tool',
      describe.tools.filter((item) => !item.key.includes(':')),
      exposed,
    ),
    ...of('prompt', describe.prompts, exposed),
    ...of('resource', describe.resources, same),
    ...of('template', describe.resourceTemplates, same),
    ...(describe.instructions
      ? [
          {
            kind: 'instructions' as const,
            key: INSTRUCTIONS,
            name: provider,
            definitionJson: Buffer.from(JSON.stringify({ instructions: describe.instructions })),
          },
        ]
      : []),
  ];
}

/**
 * The name an item is owned by across providers (what the agent sees), for those the agent sees
 * under a name another provider could take over: instructions carry their provider's name.
 */
export const ownedName = (item: PinnedItem): string | undefined =>
  item.kind === 'instructions' ? undefined : item.kind === 'tool' ? item.name : `${item.kind}:${item.name}`;

/** The catalog with the parts `withheld` names (by pin key) left out. */
export function without(
  describe: DescribeResponse__Output,
  withheld: ReadonlySet<string>,
): DescribeResponse__Output {
  if (withheld.size === 0) return describe;
  const keep = (kind: PinnedKind) => (item: { key: string }) =>
    !withheld.has(kind === 'tool' ? item.key : `${kind}:${item.key}`);
  return {
    ...describe,
    tools: describe.tools.filter(keep('tool')),
    prompts: describe.prompts.filter(keep('prompt')),
    resources: describe.resources.filter(keep('resource')),
    resourceTemplates: describe.resourceTemplates.filter(keep('template')),
    instructions: withheld.has(INSTRUCTIONS) ? '' : describe.instructions,
  };
}
