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

    type Run = Awaited<ReturnType<typeof cli>>;
    /** What a failure shows: the waiting call's outputs and the end of the gateway's log. */
    const seen = (call?: Run) =>
      `${call ? `call exited ${call.code}, stdout ${JSON.stringify(call.stdout)}, stderr ${JSON.stringify(call.stderr)}\n` : ''}gateway:\n${fleet.gateway.output().slice(-4000)}`;

    /**
     * The id of the pending approval of ev_echo with `text`, once `approvals list` shows it;
     * fails at once, saying how, when the waiting `call` ended first.
     */
    const pending = async (text: string, call: Promise<Run>): Promise<string> => {
      let ended: Run | undefined;
      void call.then((run) => {
        ended = run;
      });
      for (let i = 0; i < 100 && !ended; i++) {
        const listed = await cli(env, 'approvals', 'list', '--output', 'json');
        assert.equal(listed.code, 0, `${listed.stderr}\n${seen()}`);
        const approvals = (
          JSON.parse(listed.stdout) as { structuredContent: { approvals: Record<string, unknown>[] } }
        ).structuredContent.approvals;
        const found = approvals.find((a) => (a.arguments as { text?: string }).text === text);
        if (found) return String(found.id);
        await sleep(100);
      }
      throw new Error(`no pending approval for ${text}: ${seen(ended)}`);
    };

    it('approve: the waiting call runs and prints its result', async () => {
      const call = cli(env, 'call', 'ev_echo', '--arg', `text=ship ${protocol}`);
      const id = await pending(`ship ${protocol}`, call);
      assert.match(id, /^[0-9a-f]{32}$/, 'an id never starts with "-" (the CLI would read it as an option)');
      const approved = await cli(env, 'approvals', 'approve', id, '--reason', 'looks fine');
      assert.equal(approved.code, 0, `${approved.stderr}\n${seen()}`);
      assert.match(approved.stdout, /approved/);
      // Both outputs and the gateway's log in every message: a failure seen only in CI explains itself.
      const done = await call;
      assert.equal(done.code, 0, seen(done));
      assert.equal(done.stdout.trim(), `ship ${protocol}`, seen(done));
    });

    it('deny: the waiting call fails as not allowed (exit 4)', async () => {
      const call = cli(env, 'call', 'ev_echo', '--arg', `text=drop ${protocol}`);
      const id = await pending(`drop ${protocol}`, call);
      const denied = await cli(env, 'approvals', 'deny', id);
      assert.equal(denied.code, 0, `${denied.stderr}\n${seen()}`);
      const done = await call;
      assert.equal(done.code, 4, done.stderr);
      assert.match(done.stderr, /denied the call/);
    });

    it('a malformed approvals command is a usage error', async () => {
      assert.equal((await cli(env, 'approvals', 'approve')).code, 2);
      assert.equal((await cli(env, 'approvals', 'frobnicate', 'x')).code, 2);
    });
  });

describe('mcp-fleet approvals for a caller of no approver role', () => {
  let fleet: TestFleet;
  before(async () => {
    // The default policy allows every tool and names no approver role.
    fleet = await startTestFleet();
  });
  after(() => fleet?.close());

  it('says the caller holds no approver role and exits 4 (not allowed), not a bad command line', async () => {
    for (const { protocol } of PROTOCOLS)
      for (const words of [['list'], ['approve', 'a1']]) {
        const env = { MCP_FLEET_PROTOCOL: protocol, MCP_FLEET_URL: `${fleet.http}/mcp` };
        const run = await cli(env, 'approvals', ...words);
        assert.equal(run.code, 4, `${protocol} ${words.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, /no approver role/);
      }
  });
});
