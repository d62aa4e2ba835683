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

/** Per provider, the accept of exactly the definitions shown (each tool's digest). */
function acceptLines(differences: Difference[]): string[] {
  const byProvider = new Map<string, string[]>();
  for (const d of differences)
    byProvider.set(d.provider, [
      ...(byProvider.get(d.provider) ?? []),
      `--digest ${d.tool}=${d.current.digest}`,
    ]);
  return [...byProvider].map(
    ([provider, flags]) =>
      `to accept ${provider} as shown: mcp-fleet catalog accept ${provider} ${flags.join(' ')}`,
  );
}

/** Each held (or, under warn, served) change with the pinned and the current definition. */
function diffText(differences: Difference[]): string {
  if (differences.length === 0) return 'every tool definition matches its pin';
  const changes = differences
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
  return [changes, ...acceptLines(differences)].join('\n\n');
}

/**
 * What an accept carries: a tool's digest (`--digest sha256:...`), or a provider's tools' digests
 * (`--digest <tool>=sha256:...` each, as the diff printed them): never "whatever is current".
 */
function reviewedOf(target: string, digests: readonly string[]): Record<string, unknown> {
  if (target.includes('/')) {
    if (digests.length > 1 || digests.some((d) => d.includes('=')))
      throw new UsageError('a tool takes one --digest sha256:...');
    return digests[0] ? { digest: digests[0] } : {};
  }
  // A resource's key may hold '=' itself; a digest never does.
  const pairs = digests.map((d) =>
    d.includes('=') ? [d.slice(0, d.lastIndexOf('=')), d.slice(d.lastIndexOf('=') + 1)] : [d],
  );
  if (pairs.length === 0 || pairs.some((pair) => pair.length !== 2))
    throw new UsageError(
      `accept ${target} takes the digests catalog diff showed: --digest <tool>=sha256:... for each tool`,
    );
  return { digests: Object.fromEntries(pairs) };
}

/**
 * `catalog diff` and `catalog accept <provider>[/<tool>]`: the gateway's fleet_catalog_* tools,
 * which only callers holding a catalog operator role may call.
 */
export async function catalogCommand(
  client: FleetClient,
  args: string[],
  digests: readonly string[] = [],
): Promise<{ value: unknown; text: string; result: CallToolResult }> {
  const [sub, target, ...extra] = args;
  if (sub === 'diff' && target === undefined) {
    const result = await client.callTool('fleet_catalog_diff');
    const value = (result.structuredContent ?? { differences: [] }) as { differences: Difference[] };
    return { value, text: diffText(value.differences), result };
  }
  if (sub === 'accept' && target && extra.length === 0) {
    const result = await client.callTool('fleet_catalog_accept', { target, ...reviewedOf(target, digests) });
    const value = (result.structuredContent ?? {}) as { provider?: string; accepted?: string[] };
    return { value, text: `accepted ${value.provider}: ${(value.accepted ?? []).join(', ')}`, result };
  }
  throw new UsageError('catalog takes diff, or accept <provider>[/<tool>] (see --help)');
}
