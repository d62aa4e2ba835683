import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { definitions } from '@mcp-fleet/provider-everything';
import { defineTool } from '@mcp-fleet/sdk';
import { gatedTool, waitFor } from '@mcp-fleet/sdk/testing';
import { redisUrl } from './redis-support.js';
import {
  type Fleet,
  initialize,
  lastMessage,
  MCP_HEADERS,
  openEvents,
  post,
  readUntil,
  sseEvents,
  startFleet,
} from './support.js';

const gated = gatedTool('gated');
const askLater = defineTool({
  name: 'ask_later',
  description: 'Waits, then asks the client to sample, then reports the answer.',
  inputSchema: { type: 'object' },
  async handler(_args, ctx) {
    await sleep(300, undefined, { signal: ctx.signal });
    const answer = await ctx.sample({
      messages: [{ role: 'user', content: { type: 'text', text: 'q' } }],
      maxTokens: 5,
    });
    return `answer: ${answer.content && 'text' in answer.content ? answer.content.text : '?'}`;
  },
});

describe('two gateway replicas sharing sessions through Redis (no sticky balancer)', () => {
  let fleet: Fleet;
  let a: string;
  let b: string;

  before(async () => {
    fleet = await startFleet(
      [
        { name: 'everything', prefix: '', definitions },
        { name: 'lab', definitions: [gated.definition, askLater] },
      ],
      { REDIS_URL: redisUrl() },
      [],
      2,
    );
    [a, b] = fleet.urls as [string, string];
  });
  after(() => fleet.close());

  const headers = (session: string) => ({ 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
  const callTool = (id: number, name: string, args: Record<string, unknown> = {}) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args },
  });

  it('a session initialised on A serves requests on B, with the log level set on B seen by A', async () => {
    const session = await initialize(a);
    const onB = await post(b, callTool(1, 'echo', { text: 'via B' }), headers(session));
    assert.deepEqual(onB.json?.result, { content: [{ type: 'text', text: 'via B' }] });
    await post(
      b,
      { jsonrpc: '2.0', id: 2, method: 'logging/setLevel', params: { level: 'error' } },
      headers(session),
    );
    const { text } = await post(a, callTool(3, 'test_tool_with_logging'), headers(session));
    assert.ok(!text.includes('notifications/message'), 'A filters logs by the level set through B');
  });

  it('a sampling request raised by a call on A reaches the client on B, and the answer posted to B resumes the call on A', async () => {
    const session = (
      await post(a, {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: { sampling: {} },
          clientInfo: { name: 'split', version: '1' },
        },
      })
    ).headers.get('mcp-session-id') as string;
    // The call starts on A; the client keeps only the priming event id, then its connection drops.
    const { ids } = await readUntil(
      a,
      callTool(10, 'lab_ask_later'),
      headers(session),
      (seen) => seen.length >= 1,
    );
    const priming = ids[0] as string;
    // It resumes on B with Last-Event-ID: what A emits from now on arrives here.
    const resumed = await openEvents(b, session, priming);
    assert.equal(resumed.status, 200);
    await waitFor(
      () => resumed.messages.some((m) => m.method === 'sampling/createMessage'),
      'the sampling request on B',
    );
    const request = resumed.messages.find((m) => m.method === 'sampling/createMessage') as { id: string };
    assert.match(request.id, /^s:/);
    const answer = {
      jsonrpc: '2.0',
      id: request.id,
      result: { role: 'assistant', content: { type: 'text', text: 'from B' }, model: 'm' },
    };
    assert.equal((await post(b, answer, headers(session))).status, 202);
    await waitFor(() => resumed.messages.some((m) => m.id === 10), 'the result on B');
    assert.deepEqual(resumed.messages.find((m) => m.id === 10)?.result, {
      content: [{ type: 'text', text: 'answer: from B' }],
    });
    resumed.close();
  });

  it('notifications/cancelled sent to B aborts the call running on A', async () => {
    const session = await initialize(a);
    const gate = gated.reset();
    const running = post(a, callTool(20, 'lab_gated'), headers(session));
    await gate.entered.promise;
    const cancel = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 20, reason: 'stop' },
    };
    assert.equal((await post(b, cancel, headers(session))).status, 202);
    assert.match(String(await gate.aborted.promise), /stop/);
    const { status, text } = await running;
    assert.ok(status === 202 || !text.includes('"id":20'), 'a cancelled request gets no response');
  });

  it('DELETE on B ends the session on A too', async () => {
    const session = await initialize(a);
    assert.equal((await post(a, { jsonrpc: '2.0', id: 1, method: 'ping' }, headers(session))).status, 200);
    const deleted = await fetch(b, { method: 'DELETE', headers: { ...MCP_HEADERS, ...headers(session) } });
    assert.equal(deleted.status, 200);
    // The invalidation travels over pub/sub; A must answer 404 as soon as it has.
    let status = 0;
    for (let i = 0; i < 100 && status !== 404; i++) {
      status = (await post(a, { jsonrpc: '2.0', id: 2, method: 'ping' }, headers(session))).status;
      if (status !== 404) await sleep(20);
    }
    assert.equal(status, 404);
  });

  it('a stream released by test_reconnection on A resumes on B', async () => {
    const session = await initialize(a);
    const { ids, messages } = await readUntil(
      a,
      callTool(30, 'test_reconnection'),
      headers(session),
      () => false,
    );
    assert.deepEqual(messages, [], 'A released the stream before the result');
    const resumed = await openEvents(b, session, ids.at(-1));
    await waitFor(() => resumed.messages.some((m) => m.id === 30), 'the result on B');
    assert.equal(lastMessage(JSON.stringify(resumed.messages.at(-1))).id, 30);
    resumed.close();
  });

  it('legacy SSE: a POST that reaches B is answered down the stream A holds', async () => {
    const controller = new AbortController();
    const response = await fetch(a.replace(/\/mcp$/, '/sse'), {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const events = sseEvents(response.body as ReadableStream<Uint8Array>);
    try {
      const { value: endpoint } = await events.next();
      assert.equal(endpoint?.event, 'endpoint');
      const sent = await post(b.replace(/\/mcp$/, endpoint?.data ?? ''), {
        jsonrpc: '2.0',
        id: 40,
        method: 'initialize',
        params: {
          protocolVersion: '2024-11-05',
          capabilities: {},
          clientInfo: { name: 'old', version: '1' },
        },
      });
      assert.equal(sent.status, 202);
      const { value: answer } = await events.next();
      assert.equal((JSON.parse(answer?.data ?? '{}') as { id?: number }).id, 40);
    } finally {
      controller.abort();
    }
  });
});
