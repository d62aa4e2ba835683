import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { ConfigError } from '@mcp-fleet/runtime';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { decide } from '../src/policy/engine.js';
import { parsePolicy } from '../src/policy/policy-file.js';
import { type ApprovalFleet, approvalLine, refusal, startApprovalFleet } from './approval-fleet.js';
import { ask, type InputRequired, textOf } from './mrtr.js';
import { caller } from './support.js';

const DROP = { name: 'ops_confirm_drop', arguments: { table: 'orders' } };

describe('approval rules in the policy file', () => {
  it('reads both forms, by name glob and by annotation, and a decision carries the approval', () => {
    const policy = parsePolicy(
      `roles:
  dev:
    tools:
      allow:
        - { name: "pg_drop*", approval: caller }
        - { annotations: { destructiveHint: true }, approval: { role: sre, timeout: 15m, allowSelf: false } }
        - "*"
`,
      'p.yaml',
    );
    const dev = caller('dev');
    assert.deepEqual(decide(policy, dev, 'tools', { name: 'pg_drop_table' }, {}), {
      allowed: true,
      rule: 'roles.dev.tools.allow[0]',
      approval: { by: 'caller', rule: 'roles.dev.tools.allow[0]' },
    });
    assert.deepEqual(
      decide(policy, dev, 'tools', { name: 'k8s_delete', annotations: { destructiveHint: true } }, {}),
      {
        allowed: true,
        rule: 'roles.dev.tools.allow[1]',
        approval: {
          by: 'role',
          rule: 'roles.dev.tools.allow[1]',
          role: 'sre',
          timeoutMs: 900_000,
          allowSelf: false,
        },
      },
    );
    assert.deepEqual(
      decide(policy, dev, 'tools', { name: 'read', annotations: { readOnlyHint: true } }, {}),
      {
        allowed: true,
        rule: 'roles.dev.tools.allow[2]',
      },
    );
    assert.equal(
      'approval' in decide(policy, dev, 'tools', { name: 'pg_drop_table' }),
      false,
      'a list shows the tool; the approval is asked for at the call',
    );
  });

  it('refuses unknown fields and bad values with messages naming the rule', () => {
    const bad = (approval: string) => () =>
      parsePolicy(
        `roles:\n  dev:\n    tools:\n      allow:\n        - { name: "x", approval: ${approval} }\n`,
        'p.yaml',
      );
    const messages = (approval: string) => {
      try {
        bad(approval)();
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
      }
      throw new Error('accepted');
    };
    assert.match(messages('callr'), /roles\.dev\.tools\.allow\[0\]\.approval: expected "caller" or \{ role/);
    assert.match(messages('{ role: sre, approver: bob }'), /unknown field "approver"/);
    assert.match(messages('{ role: sre, timeout: 3d }'), /approval\.timeout: expected a duration/);
    assert.match(messages('{ role: sre, timeout: 48h }'), /between 1s and 24h/);
    assert.match(messages('{ timeout: 1m }'), /approval\.role: expected a role name/);
    assert.match(messages('{ role: sre, allowSelf: "yes" }'), /allowSelf: expected true or false/);
    assert.throws(
      () =>
        parsePolicy('roles:\n  dev:\n    tools:\n      deny: [{ name: "x", approval: caller }]\n', 'p.yaml'),
      ConfigError,
      'a deny rule carries no approval',
    );
  });
});

describe('approval by the caller itself', () => {
  let fleet: ApprovalFleet;
  before(async () => {
    fleet = await startApprovalFleet();
  });
  after(() => fleet.close());

  /** A 2025 session of alice whose elicitation handler answers `answer` and records what it was shown. */
  async function alice(answer: Record<string, unknown>) {
    const client: Client = await fleet.client('alice', 0, { elicitation: {} });
    const shown: Record<string, unknown>[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      shown.push(request.params as Record<string, unknown>);
      return answer as { action: 'accept' };
    });
    return { client, shown };
  }

  it('2025: the caller sees tool, arguments and rule; accepting lets the call run', async () => {
    const { client, shown } = await alice({ action: 'accept', content: { approve: true } });
    const result = await client.callTool(DROP);
    assert.equal(textOf(result as Record<string, unknown>), 'dropped orders');
    assert.equal(shown.length, 1);
    const message = String(shown[0]?.message);
    assert.match(message, /ops_confirm_drop/);
    assert.match(message, /"table": "orders"/);
    assert.match(message, /roles\.dev\.tools\.allow\[0\]/);
    const line = await approvalLine(fleet, 'ops_confirm_drop', 'approved');
    assert.equal(line.subject, 'alice');
    assert.deepEqual((line.approval as Record<string, unknown>).by, 'caller');
    assert.match(String((line.approval as Record<string, unknown>).approver), /alice/);
    await approvalLine(fleet, 'ops_confirm_drop', 'requested');
  });

  it('2025: declining (or accepting without ticking approve) refuses the call with ApprovalDenied', async () => {
    for (const answer of [
      { action: 'decline' },
      { action: 'cancel' },
      { action: 'accept', content: { approve: false } },
    ]) {
      const { client } = await alice(answer);
      const error = await refusal(client.callTool(DROP));
      assert.equal(error.code, ErrorCode.ApprovalDenied, JSON.stringify(answer));
      assert.equal((error.data as Record<string, unknown>).reason, 'declined');
    }
    const line = await approvalLine(fleet, 'ops_confirm_drop', 'declined');
    assert.equal(line.subject, 'alice');
  });

  it('2025: a caller that never answers is denied at the approval timeout', async () => {
    const client: Client = await fleet.client('alice', 1, { elicitation: {} });
    client.setRequestHandler(ElicitRequestSchema, () => new Promise(() => {}));
    const error = await refusal(client.callTool(DROP));
    assert.equal(error.code, ErrorCode.ApprovalDenied);
    assert.equal((error.data as Record<string, unknown>).reason, 'timeout');
    await approvalLine(fleet, 'ops_confirm_drop', 'timeout');
  });

  it('2025: a client without elicitation cannot be asked: refused with MissingClientCapability', async () => {
    const client = await fleet.client('alice', 1, {});
    const error = await refusal(client.callTool(DROP));
    assert.equal(error.code, ErrorCode.MissingClientCapability);
    assert.match(error.message, /needs your approval/);
    await approvalLine(fleet, 'ops_confirm_drop', 'unavailable');
  });

  const modern = (params: Record<string, unknown>, caps: Record<string, unknown> = { elicitation: {} }) =>
    ask(`${fleet.at[0]?.http}/mcp`, params, { caps, headers: fleet.headers('alice') });

  it('2026-07-28: an input_required round asks; the retry carrying the accept runs the call', async () => {
    const first = await modern(DROP);
    assert.equal(first.result?.resultType, 'input_required', JSON.stringify(first));
    const state = first.result as unknown as InputRequired;
    const question = state.inputRequests.approval;
    assert.equal(question?.method, 'elicitation/create');
    assert.match(String(question?.params.message), /"table": "orders"/);
    const retry = await modern({
      ...DROP,
      inputResponses: { approval: { action: 'accept', content: { approve: true } } },
      requestState: state.requestState,
    });
    assert.equal(textOf(retry.result), 'dropped orders', JSON.stringify(retry));
  });

  it('2026-07-28: a decline refuses; a client without elicitation is refused at once', async () => {
    const first = (await modern(DROP)).result as unknown as InputRequired;
    const declined = await modern({
      ...DROP,
      inputResponses: { approval: { action: 'decline' } },
      requestState: first.requestState,
    });
    assert.equal(declined.error?.code, ErrorCode.ApprovalDenied, JSON.stringify(declined));
    const unable = await modern(DROP, {});
    assert.equal(unable.error?.code, ErrorCode.MissingClientCapability, JSON.stringify(unable));
  });

  it('2026-07-28: an accept cannot be carried over to other arguments (requestState binds them)', async () => {
    const first = (await modern(DROP)).result as unknown as InputRequired;
    const swapped = await modern({
      name: DROP.name,
      arguments: { table: 'customers' },
      inputResponses: { approval: { action: 'accept', content: { approve: true } } },
      requestState: first.requestState,
    });
    assert.equal(swapped.error?.code, ErrorCode.InvalidParams, JSON.stringify(swapped));
    assert.equal(swapped.error?.data?.reason, 'request');
  });
});
