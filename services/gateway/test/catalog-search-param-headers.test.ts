import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { generateApiKey } from '../src/auth/api-keys.js';
import { type Fleet, startFleet } from './support.js';
import { send } from './task-client.js';

/** Attack 19 hole 9: fleet_call_tool skipped the inner tool's Mcp-Param-* check (SEP-2243). */
describe('fleet_call_tool checks the Mcp-Param-* headers of the tool it calls', () => {
  const key = generateApiKey('alice');
  const auth = { authorization: `Bearer ${key.key}` };
  let fleet: Fleet;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-call-tool-headers-'));
    await writeFile(
      join(dir, 'auth.yaml'),
      `apiKeys:\n  - { id: alice, hash: "${key.hash}", subject: alice, roles: [caller] }\n`,
    );
    await writeFile(join(dir, 'policy.yaml'), 'roles:\n  caller: { tools: { allow: ["*"] } }\n');
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }], {
      MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
      MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
      MCPFLEET_SEARCH_MODE_ROLES: 'caller',
    });
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const viaCallTool = (headers: Record<string, string>) =>
    send(
      fleet.url,
      'tools/call',
      {
        name: 'fleet_call_tool',
        arguments: { name: 'test_header_param', arguments: { region: 'us-gov-1' } },
      },
      { caps: {}, headers: { ...auth, ...headers } },
    );

  it('a header that lies about the inner argument is refused, as on a direct call', async () => {
    const direct = await send(
      fleet.url,
      'tools/call',
      { name: 'test_header_param', arguments: { region: 'us-gov-1' } },
      { caps: {}, headers: { ...auth, 'mcp-param-region': 'eu-west-1' } },
    );
    assert.equal(direct.error?.code, ErrorCode.HeaderMismatch);
    const via = await viaCallTool({ 'mcp-param-region': 'eu-west-1' });
    assert.equal(via.error?.code, ErrorCode.HeaderMismatch, JSON.stringify(via));
  });

  it('an inner argument without its header is refused, so a filter on the header cannot be bypassed', async () => {
    const via = await viaCallTool({});
    assert.equal(via.error?.code, ErrorCode.HeaderMismatch, JSON.stringify(via));
    assert.match(String(via.error?.message), /Mcp-Param-Region/);
  });

  it('the matching header lets the call through', async () => {
    const via = await viaCallTool({ 'mcp-param-region': 'us-gov-1' });
    const content = via.result?.content as { text: string }[] | undefined;
    assert.equal(content?.[0]?.text, 'Region: us-gov-1', JSON.stringify(via));
  });
});
