import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { type KeyedFleet, startKeyedFleet } from './keyed-fleet.js';
import { resultOf, send, TASK_CAPS, textOf, waitForStatus } from './task-client.js';

/** Attack 19: what fleet_call_tool skipped of the tool it calls (hole 9, and a suspected one). */
describe('fleet_call_tool treats the tool it calls as a direct call would', () => {
  let keyed: KeyedFleet;

  before(async () => {
    keyed = await startKeyedFleet(
      [{ name: 'everything', prefix: '', definitions }],
      // bob is not in search mode; carol is, may use echo alone, and approves alice's calls of echo.
      { alice: ['caller'], bob: ['plain'], carol: ['narrow'] },
      `roles:
  caller: { tools: { allow: [{ name: echo, approval: { role: narrow, timeout: 30s } }, "*"] } }
  plain: { tools: { allow: ["*"] } }
  narrow: { tools: { allow: ["echo"] } }
`,
      { MCPFLEET_SEARCH_MODE_ROLES: 'caller,narrow', MCPFLEET_TASK_POLL_INTERVAL: '250ms' },
    );
  });
  after(() => keyed.close());

  const call = (
    name: string,
    args: Record<string, unknown>,
    headers: Record<string, string> = {},
    caps: Record<string, unknown> = {},
    as = 'alice',
  ) =>
    send(
      keyed.fleet.url,
      'tools/call',
      { name, arguments: args },
      { caps, headers: { ...keyed.as(as), ...headers } },
    );
  const viaCallTool = (
    name: string,
    args: Record<string, unknown>,
    headers?: Record<string, string>,
    caps?: Record<string, unknown>,
  ) => call('fleet_call_tool', { name, arguments: args }, headers, caps);
  const region = (headers: Record<string, string>) =>
    viaCallTool('test_header_param', { region: 'us-gov-1' }, headers);

  describe('the Mcp-Param-* headers of the inner tool (SEP-2243)', () => {
    it('a header that lies about the inner argument is refused, as on a direct call', async () => {
      const direct = await call(
        'test_header_param',
        { region: 'us-gov-1' },
        { 'mcp-param-region': 'eu-west-1' },
      );
      assert.equal(direct.error?.code, ErrorCode.HeaderMismatch);
      const via = await region({ 'mcp-param-region': 'eu-west-1' });
      assert.equal(via.error?.code, ErrorCode.HeaderMismatch, JSON.stringify(via));
    });

    it('an inner argument without its header is refused, so a filter on the header cannot be bypassed', async () => {
      const via = await region({});
      assert.equal(via.error?.code, ErrorCode.HeaderMismatch, JSON.stringify(via));
      assert.match(String(via.error?.message), /Mcp-Param-Region/);
    });

    it('the matching header lets the call through', async () => {
      const via = await region({ 'mcp-param-region': 'us-gov-1' });
      const content = via.result?.content as { text: string }[] | undefined;
      assert.equal(content?.[0]?.text, 'Region: us-gov-1', JSON.stringify(via));
    });
  });

  describe('the task mode of the inner tool', () => {
    it('a tool that only runs as a task refuses a client that did not opt in (-32021)', async () => {
      const refused = await viaCallTool('failing_job', {}, {}, { elicitation: {} });
      assert.equal(refused.error?.code, ErrorCode.MissingClientCapability, JSON.stringify(refused));
    });

    it('for a client that opted in it runs as a task, of the inner tool, that tasks/* then serve', async () => {
      const created = await resultOf(viaCallTool('slow_compute', { seconds: 0, label: 'x' }, {}, TASK_CAPS));
      assert.equal(created.resultType, 'task', JSON.stringify(created));
      const taskId = String(created.taskId);
      const done = await waitForStatus(keyed.fleet.url, taskId, ['completed', 'failed'], keyed.as('alice'));
      assert.equal(done.status, 'completed', JSON.stringify(done));
      assert.match(textOf(done.result), /Computed x/);
    });
  });

  describe('the inner tool of a caller that may not use it, or that is not in search mode', () => {
    /** Each way fleet_call_tool could tell a tool apart before policy: its headers, its task mode. */
    const probes: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['test_header_param', { region: 'us-gov-1' }, {}],
      ['failing_job', {}, { elicitation: {} }],
      ['slow_compute', { seconds: 0, label: 'x' }, TASK_CAPS],
      ['no_such_tool', {}, TASK_CAPS],
    ];

    it('a caller in search mode learns nothing of tools its policy refuses: each is Forbidden alike, no task made', async () => {
      for (const [name, args, caps] of probes) {
        const answer = await call('fleet_call_tool', { name, arguments: args }, {}, caps, 'carol');
        assert.equal(answer.error?.code, ErrorCode.Forbidden, `${name}: ${JSON.stringify(answer)}`);
      }
    });

    it("reaches the gateway's own tools its roles give it (an approver's), which no policy rule names", async () => {
      const listed = await call(
        'fleet_call_tool',
        { name: 'fleet_approvals_list', arguments: {} },
        {},
        {},
        'carol',
      );
      assert.equal(listed.error, undefined, JSON.stringify(listed));
      assert.match(textOf(listed.result), /no pending approvals/);
    });

    it('a caller not in search mode is answered as for any tool not its own, never planned by the inner one', async () => {
      for (const [name, args, caps] of probes) {
        const answer = await call('fleet_call_tool', { name, arguments: args }, {}, caps, 'bob');
        assert.equal(answer.error?.code, ErrorCode.InvalidParams, `${name}: ${JSON.stringify(answer)}`);
        assert.match(String(answer.error?.message), /Unknown tool: fleet_call_tool/, name);
      }
    });
  });
});
