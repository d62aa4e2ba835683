import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTool } from '@mcp-fleet/sdk';
import { startKeyedFleet } from './keyed-fleet.js';
import { send } from './task-client.js';

const tool = (name: string, description: string) =>
  defineTool({ name, description, inputSchema: { type: 'object' }, handler: () => 'ok' });

const POLICY = 'roles:\n  caller: { tools: { allow: ["lab_public_*"] } }\n';

/** What fleet_search_tools answers for "payroll" to a caller who sees only the public tools. */
async function searchWith(hiddenDescription: string, query: string) {
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
  const keyed = await startKeyedFleet([{ name: 'lab', definitions }], { mallory: ['caller'] }, POLICY, {
    MCPFLEET_SEARCH_MODE_ROLES: 'caller',
  });
  try {
    const answer = await send(
      keyed.fleet.url,
      'tools/call',
      { name: 'fleet_search_tools', arguments: { query } },
      { caps: {}, headers: keyed.as('mallory') },
    );
    const structured = answer.result?.structuredContent as { tools: Record<string, unknown>[] };
    return structured.tools;
  } finally {
    await keyed.close();
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
