import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, PROTOCOLS, startTestFleet, type TestFleet } from './fleet.js';

/** The local caller (auth none) both calls and approves: the rule allows self-approval. */
const POLICY = `roles:
  local:
    tools:
      allow:
        - { name: "ev_echo", approval: { role: local, timeout: 30s, allowSelf: true } }
        - "*"
`;

for (const { protocol } of PROTOCOLS)
  describe(`mcp-fleet approvals against a real gateway (${protocol})`, () => {
    let fleet: TestFleet;
    let env: Record<string, string>;
    before(async () => {
      fleet = await startTestFleet({ policy: POLICY });
      env = { MCP_FLEET_PROTOCOL: protocol, MCP_FLEET_URL: `${fleet.http}/mcp` };
    });
    after(() => fleet?.close());

    /** The id of the pending approval of ev_echo with `text`, once `approvals list` shows it. */
    const pending = async (text: string): Promise<string> => {
      for (let i = 0; i < 100; i++) {
        const listed = await cli(env, 'approvals', 'list', '--output', 'json');
        assert.equal(listed.code, 0, listed.stderr);
        const approvals = (
          JSON.parse(listed.stdout) as { structuredContent: { approvals: Record<string, unknown>[] } }
        ).structuredContent.approvals;
        const found = approvals.find((a) => (a.arguments as { text?: string }).text === text);
        if (found) return String(found.id);
        await sleep(100);
      }
      throw new Error(`no pending approval for ${text}`);
    };

    it('approve: the waiting call runs and prints its result', async () => {
      const call = cli(env, 'call', 'ev_echo', '--arg', `text=ship ${protocol}`);
      const id = await pending(`ship ${protocol}`);
      const approved = await cli(env, 'approvals', 'approve', id, '--reason', 'looks fine');
      assert.equal(approved.code, 0, approved.stderr);
      assert.match(approved.stdout, /approved/);
      const done = await call;
      // Both outputs and the gateway's log in every message: a failure seen only in CI explains itself.
      const seen = `call stdout ${JSON.stringify(done.stdout)}, stderr ${JSON.stringify(done.stderr)}\ngateway:\n${fleet.gateway.output().slice(-4000)}`;
      assert.equal(done.code, 0, seen);
      assert.equal(done.stdout.trim(), `ship ${protocol}`, seen);
    });

    it('deny: the waiting call fails as not allowed (exit 4)', async () => {
      const call = cli(env, 'call', 'ev_echo', '--arg', `text=drop ${protocol}`);
      const id = await pending(`drop ${protocol}`);
      assert.equal((await cli(env, 'approvals', 'deny', id)).code, 0);
      const done = await call;
      assert.equal(done.code, 4, done.stderr);
      assert.match(done.stderr, /denied the call/);
    });

    it('a malformed approvals command is a usage error', async () => {
      assert.equal((await cli(env, 'approvals', 'approve')).code, 2);
      assert.equal((await cli(env, 'approvals', 'frobnicate', 'x')).code, 2);
    });
  });
