import type { CallToolResult } from '@modelcontextprotocol/client';
import { UsageError } from './arguments.js';
import type { FleetClient } from './client.js';

interface Difference {
  provider: string;
  tool: string;
  name: string;
  status: string;
  action: string;
  pinned?: { definition: unknown; acceptedBy: string; acceptedAt: string };
  current: { digest: string; definition: unknown };
}

const indent = (value: unknown) =>
  JSON.stringify(value, null, 2)
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

/** Each held (or, under warn, served) change with the pinned and the current definition. */
function diffText(differences: Difference[]): string {
  if (differences.length === 0) return 'every tool definition matches its pin';
  return differences
    .map((d) =>
      [
        `${d.provider}/${d.tool} (${d.name}): ${d.status}, ${d.action}`,
        d.pinned
          ? `  pinned (accepted by ${d.pinned.acceptedBy} at ${d.pinned.acceptedAt}):\n${indent(d.pinned.definition)}`
          : '  pinned: none (a new tool)',
        `  current (${d.current.digest}):\n${indent(d.current.definition)}`,
      ].join('\n'),
    )
    .join('\n\n');
}

/**
 * `catalog diff` and `catalog accept <provider>[/<tool>]`: the gateway's fleet_catalog_* tools,
 * which only callers holding a catalog operator role may call.
 */
export async function catalogCommand(
  client: FleetClient,
  args: string[],
  digest?: string,
): Promise<{ value: unknown; text: string; result: CallToolResult }> {
  const [sub, target, ...extra] = args;
  if (sub === 'diff' && target === undefined) {
    const result = await client.callTool('fleet_catalog_diff');
    const value = (result.structuredContent ?? { differences: [] }) as { differences: Difference[] };
    return { value, text: diffText(value.differences), result };
  }
  if (sub === 'accept' && target && extra.length === 0) {
    const result = await client.callTool('fleet_catalog_accept', digest ? { target, digest } : { target });
    const value = (result.structuredContent ?? {}) as { provider?: string; accepted?: string[] };
    return { value, text: `accepted ${value.provider}: ${(value.accepted ?? []).join(', ')}`, result };
  }
  throw new UsageError('catalog takes diff, or accept <provider>[/<tool>] (see --help)');
}
