import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { generateApiKey } from '../src/auth/api-keys.js';
import { auditLines } from './audit-lines.js';
import { EDGES, type EdgeAddresses, openRawChannel } from './edge-clients.js';
import { type GatewayProcesses, startGatewayProcesses } from './gateway-processes.js';
import { redisUrl } from './redis-support.js';
import { openSession, post, startWaitingCall } from './support.js';

const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;

/** Sends `request` on a raw TCP connection and returns everything the gateway wrote before closing. */
async function rawHttp(base: string, request: string): Promise<string> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  socket.write(request);
  await closed;
  return text;
}

const upgradeRequest = (target: string) =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** notifications/cancelled (and one progress) with params no real client sends. */
const MALFORMED_NOTIFICATIONS = [
  { method: 'notifications/cancelled', params: { requestId: { toString: 1 } } },
  { method: 'notifications/cancelled', params: { requestId: 5, reason: { toString: 1 } } },
  { method: 'notifications/cancelled', params: { requestId: [1] } },
  { method: 'notifications/cancelled', params: { requestId: null } },
  { method: 'notifications/cancelled', params: { requestId: 1.5 } },
  { method: 'notifications/cancelled', params: { requestId: 5, reason: 7 } },
  { method: 'notifications/progress', params: { progressToken: { toString: 1 }, progress: 'x' } },
].map((m) => ({ jsonrpc: '2.0', ...m }));

/** Answers to a sampling request `id` that break the JSON-RPC response shape inside. */
const malformedAnswers = (id: string): [string, Record<string, unknown>][] =>
  (
    [
      ['error.message an object', { error: { code: 1, message: { toString: 1 } } }],
      ['error.code a fraction', { error: { code: 1.5, message: 'm' } }],
      ['error.code a string', { error: { code: '1', message: 'm' } }],
      ['error without a message', { error: { code: 1 } }],
      ['error a string', { error: 'no' }],
      ['result a number', { result: 1 }],
      ['result an array', { result: [] }],
      ['result null', { result: null }],
    ] as [string, Record<string, unknown>][]
  ).map(([what, body]) => [what, { jsonrpc: '2.0', id, ...body }]);

describe('hostile input never kills a gateway process (two replicas sharing Redis)', () => {
  let fleet: GatewayProcesses;
  let dir: string;
  const alice = generateApiKey('alice');
  // Holds no role the policy knows: every call is denied, yet it may open sessions and send notifications.
  const nobody = generateApiKey('nobody');
  const auth = (key: { key: string }) => ({ authorization: `Bearer ${key.key}` });
  const url = (replica: number) => `${fleet.replicas[replica]?.base}/mcp`;
  const at = (replica: number): EdgeAddresses => ({
    http: fleet.replicas[replica]?.base as string,
    grpc: fleet.replicas[replica]?.grpc as string,
  });
  const output = (replica: number) => fleet.replicas[replica]?.process.output() ?? '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-crash-'));
    await writeFile(
      join(dir, 'auth.yaml'),
      `apiKeys:
  - { id: alice, hash: "${alice.hash}", subject: alice, roles: [caller] }
  - { id: nobody, hash: "${nobody.hash}", subject: nobody, roles: [] }
`,
    );
    await writeFile(join(dir, 'policy.yaml'), 'roles:\n  caller:\n    tools: { allow: ["*"] }\n');
    fleet = await startGatewayProcesses(2, {
      REDIS_URL: redisUrl(),
      MCPFLEET_LOG_LEVEL: 'debug',
      MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
      MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
    });
  });
  after(async () => {
    await fleet?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Everything replica `from` published on the bus before now has been handled by replica `on`:
   * a cancellation published by `from` after it ends a call waiting on `on` (Redis keeps the
   * order of one publisher's messages).
   */
  async function busBarrier(from: number, on: number): Promise<void> {
    const headers = await openSession(url(on), auth(alice), { sampling: {} });
    const call = await startWaitingCall(url(on), headers, 'test_sampling', { prompt: 'p' });
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } };
    assert.equal((await post(url(from), cancel, headers)).status, 202);
    await call.ended;
    assert.ok(!call.messages.some((m) => m.id === 7), 'a cancelled call gets no response');
  }

  it('Upgrade: websocket with a request target new URL rejects ("//"): 400, and the process keeps serving', async () => {
    for (const target of ['//', '//[', '//a:b@', '\\\\']) {
      const answer = await rawHttp(fleet.replicas[0]?.base as string, upgradeRequest(target));
      assert.match(answer, /^HTTP\/1\.1 400 /, `${target}: ${answer}`);
    }
    const elsewhere = await rawHttp(fleet.replicas[0]?.base as string, upgradeRequest('/elsewhere'));
    assert.match(elsewhere, /^HTTP\/1\.1 404 /, elsewhere);
    await fleet.assertAlive();
  });

  it('notifications/cancelled with an object requestId or reason over Streamable HTTP, from a caller the policy denies everything: 400 -32602, nothing published, both replicas keep serving', async () => {
    const headers = await openSession(url(0), auth(nobody));
    for (const notification of MALFORMED_NOTIFICATIONS) {
      const refused = await post(url(0), notification, headers);
      assert.equal(refused.status, 400, `${JSON.stringify(notification)}: ${refused.text}`);
      assert.equal((refused.json?.error as { code: number }).code, INVALID_PARAMS);
    }
    await busBarrier(0, 0);
    await busBarrier(0, 1);
    await fleet.assertAlive();
  });

  for (const edge of EDGES.filter((e) => e !== 'streamable-http') as (
    | 'legacy-sse'
    | 'websocket'
    | 'grpc'
  )[]) {
    it(`notifications/cancelled with an object requestId or reason over ${edge}, from a caller the policy denies everything: dropped and logged, the channel and both replicas keep serving`, async () => {
      const channel = await openRawChannel(edge, at(0), auth(nobody));
      try {
        for (const notification of MALFORMED_NOTIFICATIONS) await channel.send(notification);
        await channel.send({ jsonrpc: '2.0', id: 'after', method: 'ping' });
        await waitFor(
          () => channel.messages.some((m) => m.id === 'after'),
          `the ping after the notifications over ${edge}`,
        );
        assert.deepEqual(
          channel.messages.filter((m) => m.id !== 'init' && m.id !== 'after'),
          [],
          'notifications get no reply',
        );
      } finally {
        await channel.close();
      }
      await busBarrier(0, 0);
      await busBarrier(0, 1);
      await fleet.assertAlive();
      assert.match(output(0), /dropped a malformed notification/);
    });
  }

  it('an answer whose error.message is an object, posted to replica B for a call waiting on A: 400 -32600 before anything is forwarded, and the real answer through B still completes the call', async () => {
    const headers = await openSession(url(0), auth(alice), { sampling: {} });
    const call = await startWaitingCall(url(0), headers, 'test_sampling', { prompt: 'p' });
    for (const [what, answer] of malformedAnswers(call.request.id)) {
      for (const replica of [1, 0]) {
        const refused = await post(url(replica), answer, headers);
        assert.equal(refused.status, 400, `${what} on replica ${replica}: ${refused.text}`);
        assert.equal((refused.json?.error as { code: number }).code, INVALID_REQUEST, what);
      }
    }
    const real = {
      jsonrpc: '2.0',
      id: call.request.id,
      result: { role: 'assistant', content: { type: 'text', text: 'mine' }, model: 'm' },
    };
    assert.equal((await post(url(1), real, headers)).status, 202);
    await call.ended;
    assert.deepEqual(call.messages.find((m) => m.id === 7)?.result, {
      content: [{ type: 'text', text: 'LLM response: mine' }],
    });
    await fleet.assertAlive();
  });

  describe('2025-03-26 batches are bounded', () => {
    const batchOf = (items: string[]) => `[${items.join(',')}]`;
    const ping = (id: number) => `{"jsonrpc":"2.0","id":${id},"method":"ping"}`;

    it('a 1 MB batch of [1,1,1,…]: one -32600 error with HTTP 400 (not 500,000 of them), nothing processed', async () => {
      const headers = await openSession(url(0), auth(alice), {}, '2025-03-26');
      const refused = await post(url(0), batchOf(Array(500_000).fill('1')), headers);
      assert.equal(refused.status, 400);
      assert.ok(refused.text.length < 500, `one small error, got ${refused.text.length} bytes`);
      assert.equal((refused.json?.error as { code: number }).code, INVALID_REQUEST);
      assert.match((refused.json?.error as { message: string }).message, /at most 64 messages/);
      await fleet.assertAlive();
    });

    it('65 pings are refused whole; 64 are answered, invalid items among them each get their error', async () => {
      const headers = await openSession(url(0), auth(alice), {}, '2025-03-26');
      const over = await post(url(0), batchOf(Array.from({ length: 65 }, (_, i) => ping(i))), headers);
      assert.equal(over.status, 400, over.text);
      const full = await post(url(0), batchOf(Array.from({ length: 64 }, (_, i) => ping(i))), headers);
      assert.equal(full.status, 200, full.text);
      assert.equal((JSON.parse(full.text) as unknown[]).length, 64);
      const mixed = await post(url(0), batchOf(['1', '{"jsonrpc":"2.0"}', ping(9)]), headers);
      assert.deepEqual(JSON.parse(mixed.text), [
        {
          jsonrpc: '2.0',
          id: null,
          error: { code: INVALID_REQUEST, message: 'Invalid Request: a JSON-RPC message must be an object' },
        },
        {
          jsonrpc: '2.0',
          id: null,
          error: {
            code: INVALID_REQUEST,
            message: 'Invalid Request: a response needs the id of its request',
          },
        },
        { jsonrpc: '2.0', id: 9, result: {} },
      ]);
    });

    it('a batch of 80,000 forged answers (what fits in the 4 MB body limit): refused whole, not one audit line for them', async () => {
      const headers = await openSession(url(0), auth(alice), {}, '2025-03-26');
      const forged = Array.from(
        { length: 80_000 },
        (_, i) => `{"jsonrpc":"2.0","id":"forged-${i}","result":{}}`,
      );
      assert.equal((await post(url(0), batchOf(forged), headers)).status, 400);
      // A lone forged answer is audited: once its line is written, any line of the batch would be too.
      assert.equal((await post(url(0), { jsonrpc: '2.0', id: 'marker', result: {} }, headers)).status, 403);
      const audit = fleet.replicas[0]?.auditLog as string;
      const lines = await auditLines(audit, (all) => all.some((l) => l.target === 'marker'));
      assert.equal(lines.filter((l) => String(l.target).startsWith('forged-')).length, 0);
    });
  });
});
