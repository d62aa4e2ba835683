import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definitions } from '@mcp-fleet/provider-everything';
import { defineTool } from '@mcp-fleet/sdk';
import { gatedTool } from '@mcp-fleet/sdk/testing';
import { generateApiKey } from '../src/auth/api-keys.js';
import type { EdgeAddresses } from './edge-clients.js';
import { type Fleet, startFleet } from './support.js';

export const slow = gatedTool('slow');
const plain = (name: string) =>
  defineTool({ name, description: name, inputSchema: { type: 'object' }, handler: () => name });

export interface ParityFleet {
  fleet: Fleet;
  at: EdgeAddresses;
  /** An API key per caller name: each edge (and dialect) its own, so their rate limits are apart. */
  keys: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The fleet every parity scenario runs against: the everything provider, a `lab` provider with a
 * slow, a rate-limited and a forbidden tool, one API key per caller of role `caller`.
 */
export async function startParityFleet(callers: readonly string[]): Promise<ParityFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-parity-'));
  const generated = callers.map((caller) => ({
    caller,
    id: caller.replace(/[^a-z0-9]/g, ''),
    ...generateApiKey(caller.replace(/[^a-z0-9]/g, '')),
  }));
  await writeFile(
    join(dir, 'auth.yaml'),
    `apiKeys:\n${generated.map((g) => `  - { id: ${g.id}, hash: "${g.hash}", subject: ${g.caller}, roles: [caller] }`).join('\n')}\n`,
  );
  await writeFile(
    join(dir, 'policy.yaml'),
    'roles:\n  caller:\n    tools: { allow: ["*"], deny: ["lab_forbidden"] }\n    toolRateLimit: { perSecond: 0.01, burst: 3 }\n',
  );
  const fleet = await startFleet(
    [
      { name: 'everything', prefix: '', definitions },
      { name: 'lab', definitions: [slow.definition, plain('limited'), plain('forbidden')] },
    ],
    { MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'), MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml') },
  );
  return {
    fleet,
    at: { http: fleet.url.replace(/\/mcp$/, ''), grpc: `127.0.0.1:${fleet.gateway.grpcPort}` },
    keys: Object.fromEntries(generated.map((g) => [g.caller, g.key])),
    async close() {
      await fleet.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
