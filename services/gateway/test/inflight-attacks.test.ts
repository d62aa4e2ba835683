import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
import { gatedTool } from '@mcp-fleet/sdk/testing';
import { connectStateless } from './stateless-client.js';
import { type Fleet, initializeRequest, openSession, post, startFleet } from './support.js';

const slow = gatedTool('slow');

/** Three branches side by side, each a call that waits at the gate. */
const WORKFLOWS = `
workflows:
  - name: fan
    inputSchema: { type: object }
    steps:
      - id: wide
        parallel:
          - - { id: a, call: lab_slow }
          - - { id: b, call: lab_slow }
          - - { id: c, call: lab_slow }
`;

type Run = { status: string; error?: { message: string } };

describe('calls in flight and what a session holds, under attack', () => {
  let fleet: Fleet;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inflight-'));
    await writeFile(join(dir, 'workflows.yaml'), WORKFLOWS);
    fleet = await startFleet([{ name: 'lab', definitions: [slow.definition] }], {
      MCPFLEET_WORKFLOWS_FILE: join(dir, 'workflows.yaml'),
      MCPFLEET_MAX_CONCURRENT_PER_SUBJECT: '2',
    });
  });
  after(async () => {
    await fleet?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Runs `fan` with the gate shut: its result, and how many inner calls ever reached the tool. A
   * fan-out past the caller's limit must be refused, not wait at the gate (released when three wait).
   */
  const fanOut = async (call: () => Promise<Run>) => {
    const gate = slow.reset();
    const run = call();
    let settled = false;
    void run.finally(() => {
      settled = true;
    });
    while (!settled && gate.calls < 3) await sleep(10);
    gate.release.resolve();
    return { run: await run, reached: gate.calls };
  };

  const refusedForSlots = ({ run, reached }: { run: Run; reached: number }) => {
    assert.equal(run.status, 'failed', JSON.stringify(run));
    assert.match(run.error?.message ?? '', /Too many calls in flight for this subject \(limit 2\)/);
    assert.ok(reached < 3, `${reached} inner calls ran past the limit`);
  };

  it("a 2026 workflow's inner calls each hold a slot of the caller's, as a 2025 session's do", async () => {
    const { client } = await connectStateless(
      'streamable-http',
      { http: fleet.url.replace(/\/mcp$/, ''), grpc: `127.0.0.1:${fleet.gateway.grpcPort}` },
      {},
    );
    const modern = await fanOut(async () => {
      const result = await client.request('tools/call', { name: 'workflow_fan', arguments: {} });
      return result.structuredContent as Run;
    });
    refusedForSlots(modern);
    const headers = await openSession(fleet.url);
    const session = await fanOut(async () => {
      const { json } = await post(
        fleet.url,
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'workflow_fan', arguments: {} } },
        headers,
      );
      return (json as { result: { structuredContent: Run } }).result.structuredContent;
    });
    refusedForSlots(session);
  });

  it('initialize refuses capabilities or client info that are no object, or too large to keep with the session', async () => {
    const bulk = { experimental: { pad: 'x'.repeat(20_000) } };
    for (const [field, value] of [
      ['capabilities', bulk],
      ['capabilities', 'sampling'],
      ['capabilities', [1]],
      ['clientInfo', { name: 'raw', version: '1', pad: 'x'.repeat(20_000) }],
      ['clientInfo', 42],
    ] as const) {
      const request = initializeRequest();
      (request.params as Record<string, unknown>)[field] = value;
      const { status, json, headers } = await post(fleet.url, request);
      const error = (json as { error?: { code: number; message: string } }).error;
      assert.equal(error?.code, ErrorCode.InvalidParams, `${field}: ${status} ${JSON.stringify(json)}`);
      assert.match(error?.message ?? '', new RegExp(field));
      assert.equal(headers.get('mcp-session-id'), null, 'no session was opened');
    }
    // The gateway goes on serving: a well-formed initialize opens a session.
    assert.ok((await openSession(fleet.url))['mcp-session-id']);
  });
});
