import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defineTool } from '@mcp-fleet/sdk';
import { generateApiKey } from '../src/auth/api-keys.js';
import { startFleet } from './support.js';
import { send } from './task-client.js';

const tool = (name: string, description: string) =>
  defineTool({ name, description, inputSchema: { type: 'object' }, handler: () => 'ok' });

const POLICY = 'roles:\n  caller: { tools: { allow: ["lab_public_*"] } }\n';

/** What fleet_search_tools answers for "payroll" to a caller who sees only the public tools. */
async function searchWith(hiddenDescription: string, query: string) {
  const key = generateApiKey('mallory');
  const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-search-visible-'));
  await writeFile(
    join(dir, 'auth.yaml'),
    `apiKeys:\n  - { id: mallory, hash: "${key.hash}", subject: mallory, roles: [caller] }\n`,
  );
  await writeFile(join(dir, 'policy.yaml'), POLICY);
  const definitions = [
    tool('public_report', 'Exports the payroll summary report.'),
    tool(
      'public_payroll_export',
      'Writes the payroll ledger of every payroll run, payroll by payroll, to a file for the finance team and its auditors.',
    ),
    tool('public_ping', 'Pings a host.'),
    tool('secret_a', hiddenDescription),
    tool('secret_b', hiddenDescription),
  ];
  const fleet = await startFleet([{ name: 'lab', definitions }], {
    MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
    MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
    MCPFLEET_SEARCH_MODE_ROLES: 'caller',
  });
  try {
    const answer = await send(
      fleet.url,
      'tools/call',
      { name: 'fleet_search_tools', arguments: { query } },
      { caps: {}, headers: { authorization: `Bearer ${key.key}` } },
    );
    const structured = answer.result?.structuredContent as { tools: Record<string, unknown>[] };
    return structured.tools;
  } finally {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Attack 19 hole 8: BM25 statistics over the whole catalog made visible scores depend on hidden tools. */
describe('search results depend only on the tools the caller sees', () => {
  for (const query of ['payroll', 'payroll report ledger']) {
    it(`"${query}": same answer (order and scores) whatever hidden tools say`, async () => {
      const withWord = await searchWith(
        'Pays the payroll run to every employee account, payroll after payroll, a very long description of payroll.',
        query,
      );
      const without = await searchWith('Rotates the database root credential account now.', query);
      assert.ok(withWord.length >= 2);
      assert.deepEqual(withWord, without);
    });
  }
});
