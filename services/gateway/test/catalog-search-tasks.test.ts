import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { generateApiKey } from '../src/auth/api-keys.js';
import { type Fleet, startFleet } from './support.js';
import { resultOf, send, textOf, waitForStatus } from './task-client.js';

/** Attack 19, suspected: fleet_call_tool ran a taskSupport=required tool synchronously. */
describe('fleet_call_tool honours the task mode of the tool it calls', () => {
  const key = generateApiKey('alice');
  const headers = { authorization: `Bearer ${key.key}` };
  let fleet: Fleet;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-call-tool-tasks-'));
    await writeFile(
      join(dir, 'auth.yaml'),
      `apiKeys:\n  - { id: alice, hash: "${key.hash}", subject: alice, roles: [caller] }\n`,
    );
    // The search tools are the gateway's: policy names only the fleet's tools.
    await writeFile(
      join(dir, 'policy.yaml'),
      'roles:\n  caller: { tools: { allow: ["failing_job", "slow_compute"] } }\n',
    );
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }], {
      MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
      MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
      MCPFLEET_SEARCH_MODE_ROLES: 'caller',
      MCPFLEET_TASK_POLL_INTERVAL: '250ms',
    });
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const viaCallTool = (name: string, args: Record<string, unknown>, caps?: Record<string, unknown>) =>
    send(
      fleet.url,
      'tools/call',
      { name: 'fleet_call_tool', arguments: { name, arguments: args } },
      { headers, ...(caps ? { caps } : {}) },
    );

  it('a tool that only runs as a task refuses a client that did not opt in (-32021)', async () => {
    const refused = await viaCallTool('failing_job', {}, { elicitation: {} });
    assert.equal(refused.error?.code, ErrorCode.MissingClientCapability, JSON.stringify(refused));
  });

  it('for a client that opted in it runs as a task, of the inner tool, that tasks/* then serve', async () => {
    const created = await resultOf(viaCallTool('slow_compute', { seconds: 0, label: 'x' }));
    assert.equal(created.resultType, 'task', JSON.stringify(created));
    const done = await waitForStatus(fleet.url, String(created.taskId), ['completed', 'failed'], headers);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.match(textOf(done.result), /x/);
  });
});
