import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type ApprovalFleet, approvalLine, refusal, startApprovalFleet } from './approval-fleet.js';
import { ask, textOf } from './mrtr.js';

interface Pending {
  id: string;
  tool: string;
  arguments: Record<string, unknown>;
  requestedBy: string;
}

type Result = Record<string, unknown>;

const deploy = (version: string) => ({ name: 'ops_deploy', arguments: { service: 'web', version } });

describe('approval by an approver role: waits, decisions and attacks', () => {
  let fleet: ApprovalFleet;
  /** bob approves from the other replica than the one holding alice's calls. */
  let bob: Client;
  let alice: Client;

  const listed = async (client: Client): Promise<Pending[]> => {
    const result = (await client.callTool({ name: 'fleet_approvals_list', arguments: {} })) as Result;
    return (result.structuredContent as { approvals: Pending[] }).approvals;
  };
  /** The id of the pending approval of `tool` with exactly `args`, once it shows. */
  const pendingId = async (tool: string, args: Result, by = 'alice'): Promise<string> => {
    for (let i = 0; i < 250; i++) {
      const found = (await listed(bob)).find(
        (p) =>
          p.tool === tool && p.requestedBy === by && JSON.stringify(p.arguments) === JSON.stringify(args),
      );
      if (found) return found.id;
      await sleep(20);
    }
    throw new Error(`no pending approval of ${tool}`);
  };
  const decide = (client: Client, args: Result) =>
    client.callTool({ name: 'fleet_approvals_decide', arguments: args });

  before(async () => {
    fleet = await startApprovalFleet();
    alice = await fleet.client('alice', 0);
    bob = await fleet.client('bob', 1);
  });
  after(() => fleet.close());

  it('an approver on another replica sees the exact arguments and approves; the call runs', async () => {
    const call = alice.callTool(deploy('1.2'));
    const id = await pendingId('ops_deploy', deploy('1.2').arguments);
    const decided = (await decide(bob, { id, decision: 'approve', reason: 'change 42' })) as Result;
    assert.equal((decided.structuredContent as Result).status, 'approved');
    assert.equal(textOf((await call) as Result), 'deployed web@1.2');
    const requested = await approvalLine(fleet, 'ops_deploy', 'requested');
    assert.equal(requested.subject, 'alice');
    const approved = await approvalLine(fleet, 'ops_deploy', 'approved');
    assert.equal(approved.subject, 'bob');
    assert.match(String((approved.approval as Result).approver), /bob/);
    assert.equal((approved.approval as Result).reason, 'change 42');
    const looked = (await fleet.audit()).find(
      (l) => l.target === 'fleet_approvals_list' && l.subject === 'bob',
    );
    assert.equal(looked?.audit, 'call', 'who read pending approvals is audited');
  });

  it('a denial refuses the call with the approver and the reason', async () => {
    const call = refusal(alice.callTool(deploy('6.6.6')));
    const id = await pendingId('ops_deploy', deploy('6.6.6').arguments);
    await decide(bob, { id, decision: 'deny', reason: 'not on a Friday' });
    const error = await call;
    assert.equal(error.code, ErrorCode.ApprovalDenied);
    assert.equal(error.data?.reason, 'rejected');
    assert.match(error.message, /not on a Friday/);
    await approvalLine(fleet, 'ops_deploy', 'rejected');
  });

  it('nobody deciding within the timeout denies the call', async () => {
    const error = await refusal(alice.callTool({ name: 'ops_quick_restart', arguments: {} }));
    assert.equal(error.code, ErrorCode.ApprovalDenied);
    assert.equal(error.data?.reason, 'timeout');
    await approvalLine(fleet, 'ops_quick_restart', 'timeout');
  });

  it('attack: a caller holding the approver role cannot approve its own call (unless allowSelf)', async () => {
    const carol = await fleet.client('carol', 0);
    const call = carol.callTool(deploy('7.0'));
    const id = await pendingId('ops_deploy', deploy('7.0').arguments, 'carol');
    const self = await refusal(decide(carol, { id, decision: 'approve' }));
    assert.equal(self.code, ErrorCode.Forbidden);
    assert.match(self.message, /your own call/);
    const secondKey = await refusal(decide(await fleet.client('erin', 1), { id, decision: 'approve' }));
    assert.equal(
      secondKey.code,
      ErrorCode.Forbidden,
      'another credential of the same subject is still the caller',
    );
    await approvalLine(fleet, 'ops_deploy', 'self_refused');
    await decide(bob, { id, decision: 'approve' });
    assert.equal(textOf((await call) as Result), 'deployed web@7.0');

    const rotate = carol.callTool({ name: 'ops_self_rotate', arguments: {} });
    const own = await pendingId('ops_self_rotate', {}, 'carol');
    await decide(carol, { id: own, decision: 'approve' });
    assert.equal(textOf((await rotate) as Result), 'rotated', 'the rule says allowSelf: true');
  });

  it('attack: an approval admits only the call it showed: other arguments, or another caller, wait for their own', async () => {
    const carol = await fleet.client('carol', 1);
    const first = alice.callTool(deploy('2.0'));
    const swapped = refusal(alice.callTool(deploy('2.0-evil')));
    const sameArgsOtherCaller = refusal(carol.callTool(deploy('2.0')));
    const id = await pendingId('ops_deploy', deploy('2.0').arguments);
    const other = await pendingId('ops_deploy', deploy('2.0-evil').arguments);
    const carols = await pendingId('ops_deploy', deploy('2.0').arguments, 'carol');
    assert.equal(new Set([id, other, carols]).size, 3);
    await decide(bob, { id, decision: 'approve' });
    assert.equal(textOf((await first) as Result), 'deployed web@2.0');
    const still = (await listed(bob)).map((p) => p.id);
    assert.ok(still.includes(other), 'the call with other arguments still waits');
    assert.ok(still.includes(carols), "another caller's call with the same arguments still waits");
    await decide(bob, { id: other, decision: 'deny' });
    await decide(bob, { id: carols, decision: 'deny' });
    assert.equal((await swapped).code, ErrorCode.ApprovalDenied);
    assert.equal((await sameArgsOtherCaller).code, ErrorCode.ApprovalDenied);
  });

  it('attack: an approval is single-use: deciding it again fails, the same call again needs a new one', async () => {
    const call = alice.callTool(deploy('3.0'));
    const id = await pendingId('ops_deploy', deploy('3.0').arguments);
    await decide(bob, { id, decision: 'approve' });
    await call;
    const again = await refusal(decide(bob, { id, decision: 'approve' }));
    assert.equal(again.code, ErrorCode.InvalidParams);
    const replay = refusal(alice.callTool(deploy('3.0')));
    const fresh = await pendingId('ops_deploy', deploy('3.0').arguments);
    assert.notEqual(fresh, id, 'a repeat of the call asks anew');
    await decide(bob, { id: fresh, decision: 'deny' });
    assert.equal((await replay).code, ErrorCode.ApprovalDenied);
  });

  it('attack: non-approvers neither see nor call the approval tools', async () => {
    const dave = await fleet.client('dave', 1);
    for (const client of [alice, dave]) {
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(!names.some((n) => n.startsWith('fleet_approvals_')), names.join());
      for (const name of ['fleet_approvals_list', 'fleet_approvals_decide']) {
        const error = await refusal(client.callTool({ name, arguments: { id: 'x', decision: 'approve' } }));
        assert.ok(
          [ErrorCode.InvalidParams, ErrorCode.Forbidden].includes(error.code as never),
          error.message,
        );
      }
    }
    const names = (await bob.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('fleet_approvals_list') && names.includes('fleet_approvals_decide'));
  });

  it('attack: the approver is the authenticated caller; a forged approver field is refused', async () => {
    const call = refusal(alice.callTool(deploy('4.0')));
    const id = await pendingId('ops_deploy', deploy('4.0').arguments);
    for (const forged of [{ approver: 'carol' }, { approvedBy: 'bob' }, { principal: 'api-key:::bob' }]) {
      const error = await refusal(decide(bob, { id, decision: 'approve', ...forged }));
      assert.equal(error.code, ErrorCode.InvalidParams, JSON.stringify(forged));
    }
    const own = await refusal(decide(alice, { id, decision: 'approve', approver: 'bob' }));
    assert.ok([ErrorCode.InvalidParams, ErrorCode.Forbidden].includes(own.code as never));
    assert.ok(
      (await listed(bob)).some((p) => p.id === id),
      'still pending after every forgery',
    );
    await decide(bob, { id, decision: 'deny' });
    assert.equal((await call).code, ErrorCode.ApprovalDenied);
  });

  it('a caller cancelling while it waits withdraws its approval: nothing is left to approve', async () => {
    const controller = new AbortController();
    const call = refusal(alice.callTool(deploy('8.0'), undefined, { signal: controller.signal }));
    const id = await pendingId('ops_deploy', deploy('8.0').arguments);
    controller.abort();
    await call;
    await approvalLine(fleet, 'ops_deploy', 'withdrawn');
    const late = await refusal(decide(bob, { id, decision: 'approve' }));
    assert.equal(late.code, ErrorCode.InvalidParams, 'a withdrawn approval cannot be granted');
  });

  it('2026-07-28: a plain call stays open until an approver decides over 2026 requests too', async () => {
    const modern = (who: 'alice' | 'bob' | 'dave', params: Result, replica = 0) =>
      ask(`${fleet.at[replica]?.http}/mcp`, params, { caps: {}, headers: fleet.headers(who) });
    const call = modern('alice', deploy('5.0'));
    const id = await pendingId('ops_deploy', deploy('5.0').arguments);
    const denied = await modern(
      'dave',
      { name: 'fleet_approvals_decide', arguments: { id, decision: 'approve' } },
      1,
    );
    assert.ok(denied.error, 'a non-approver cannot decide over 2026 either');
    const decided = await modern(
      'bob',
      { name: 'fleet_approvals_decide', arguments: { id, decision: 'approve' } },
      1,
    );
    assert.equal((decided.result?.structuredContent as Result)?.status, 'approved', JSON.stringify(decided));
    const done = await call;
    assert.equal(textOf(done.result), 'deployed web@5.0', JSON.stringify(done));
  });

  it('metrics count approvals by kind and outcome', async () => {
    const text = await (await fetch(`${fleet.at[0]?.http}/metrics`)).text();
    assert.match(text, /mcpfleet_approvals_total\{kind="role",outcome="requested"\} [1-9]/);
    assert.match(text, /mcpfleet_approvals_total\{kind="role",outcome="timeout"\} [1-9]/);
  });

  it('a workflow step that needs approval pauses the workflow until it is approved', async () => {
    const run = alice.callTool({ name: 'workflow_release', arguments: { version: '9.1' } });
    // The workflow declares no annotations: taken as destructive, it needs an approval itself.
    const start = await pendingId('workflow_release', { version: '9.1' });
    await decide(bob, { id: start, decision: 'approve' });
    const id = await pendingId('ops_deploy', { service: 'web', version: '9.1' });
    const paused = await approvalLine(fleet, 'ops_deploy', 'requested');
    assert.equal(paused.subject, 'alice');
    await decide(bob, { id, decision: 'approve' });
    const result = (await run) as Result;
    const record = result.structuredContent as { status: string; steps: { id: string; status: string }[] };
    assert.equal(record.status, 'ok', JSON.stringify(result));
    assert.deepEqual(
      record.steps.map((s) => s.status),
      ['ok', 'ok'],
    );
  });
});
