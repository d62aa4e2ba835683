import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, PROTOCOLS, startTestFleet, type TestFleet } from './fleet.js';

const WORKFLOWS = `workflows:
  - name: greet
    inputSchema: { type: object, properties: { name: { type: string } }, required: [name] }
    steps:
      - { id: hello, call: ev_echo, arguments: { text: "hello \${inputs.name}" }, output: said }
  - name: broken
    steps:
      - { id: denied, call: ev_test_error_handling }
`;

for (const { protocol, version } of PROTOCOLS)
  describe(`the mcp-fleet CLI against a real gateway (${protocol})`, () => {
    const chosen = { MCP_FLEET_PROTOCOL: protocol };
    let fleet: TestFleet;
    let env: Record<string, string>;
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mcpfleet-cli-workflows-'));
      const workflows = join(dir, 'workflows.yaml');
      await writeFile(workflows, WORKFLOWS);
      fleet = await startTestFleet({
        policy: 'roles:\n  local:\n    tools: { allow: ["*"], deny: ["ev_test_error_handling"] }\n',
        env: { MCPFLEET_WORKFLOWS_FILE: workflows },
      });
      env = { ...chosen, MCP_FLEET_URL: `${fleet.http}/mcp` };
    });
    after(async () => {
      await fleet?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('tools: a table of what the caller may use', async () => {
      const r = await cli(env, 'tools');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^TOOL\s+HINTS\s+DESCRIPTION$/m);
      assert.match(r.stdout, /^ev_echo\s+read-only,idempotent\s+Returns the given text unchanged/m);
      assert.match(r.stdout, /^workflow_greet\s/m);
      assert.doesNotMatch(r.stdout, /ev_test_error_handling/);
    });

    it('call: arguments as --arg or --json, text or JSON output', async () => {
      const plain = await cli(env, 'call', 'ev_echo', '--arg', 'text=hi there');
      assert.deepEqual([plain.code, plain.stdout], [0, 'hi there\n']);
      const json = await cli(env, '--output', 'json', 'call', 'ev_echo', '--json', '{"text":"x"}');
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout).content, [{ type: 'text', text: 'x' }]);
      const other = await cli(
        chosen,
        '--url',
        `grpc://${fleet.grpc}`,
        'call',
        'ev_echo',
        '--arg',
        'text=over grpc',
      );
      assert.deepEqual([other.code, other.stdout], [0, 'over grpc\n']);
    });

    it('shows progress of a call that reports it', async () => {
      const r = await cli(env, 'call', 'ev_test_tool_with_progress');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^progress 0\/100/m);
      assert.match(r.stderr, /^progress 100\/100/m);
    });

    it('workflow run: a workflow as a command; a failing one exits 1 and says why', async () => {
      const ok = await cli(env, 'workflow', 'run', 'greet', '--arg', 'name=ann');
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /workflow greet completed 1 steps/);
      const json = await cli(env, '--output', 'json', 'workflow', 'run', 'greet', '--arg', 'name=bo');
      assert.equal(JSON.parse(json.stdout).structuredContent.outputs.said, 'hello bo');
      const failed = await cli(env, 'workflow', 'run', 'broken');
      assert.equal(failed.code, 1);
      assert.match(
        failed.stdout,
        /workflow broken failed: step "denied" \(ev_test_error_handling\): Forbidden/,
      );
    });

    it('exit codes a script can act on, with readable errors', async () => {
      const cases: [string[], number, RegExp][] = [
        [['call', 'ev_echo', '--arg', 'oops'], 2, /--arg takes key=value/],
        [['call', 'nope'], 2, /Unknown tool: nope/],
        [['call', 'ev_echo', '--json', '[1]'], 2, /--json must be a JSON object/],
        [['call', 'ev_test_error_handling'], 4, /Forbidden/],
        [['frobnicate'], 2, /unknown command: frobnicate/],
        [['--bogus', 'tools'], 2, /Unknown option '--bogus'/],
        [['--protocol', '2024', 'tools'], 2, /--protocol is auto, legacy, 2026-07-28, not "2024"/],
      ];
      for (const [args, code, message] of cases) {
        const r = await cli(env, ...args);
        assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
      }
      // Arguments the tool's schema refuses are the tool's answer (isError): exit 1, with every reason.
      const refused = await cli(env, 'call', 'ev_echo', '--json', '{"text":5}');
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stdout + refused.stderr, /Invalid arguments: \/text must be string/);
      const ping = await cli(env, 'ping');
      assert.deepEqual([ping.code, ping.stdout], [0, 'pong\n']);
      const agreed = await cli(env, '--output', 'json', 'ping');
      assert.deepEqual(JSON.parse(agreed.stdout), { ok: true, protocolVersion: version });
      const help = await cli({}, '--help');
      assert.equal(help.code, 0);
      assert.match(help.stdout, /exit codes:/);
    });

    it('a tool that asks the user: the CLI declares no elicitation, so the call fails (exit 1) and says so', async () => {
      const r = await cli(env, 'call', 'ev_test_elicitation', '--arg', 'message=who?');
      assert.equal(r.code, 1, r.stderr);
      // 2025: the provider's refusal as a tool error; 2026: the gateway's MissingClientCapability.
      assert.match(r.stdout + r.stderr, /the client does not support elicitation/);
    });

    it('an unreachable gateway: retries, then exit 3', async () => {
      const r = await cli(chosen, '--url', 'http://127.0.0.1:9/mcp', 'ping');
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /^retry 1 in \d+ ms/m);
      assert.match(r.stderr, /mcp-fleet: .*fetch failed/);
    });
  });
