import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { definitions } from '@mcp-fleet/provider-everything';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { WebSocket } from 'ws';
import { argumentDigest } from '../src/audit/audit-log.js';
import { isOneObject, scanNesting } from '../src/protocol/json-scan.js';
import { MAX_NESTING, serializeResponse } from '../src/protocol/messages.js';
import { type Fleet, openSession, post, readUntil, startFleet } from './support.js';

/** `depth` objects inside each other, as a client would send them: text, parsed by the gateway. */
const deepText = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const INVALID_REQUEST = -32600;

describe('the audit digest of arguments', () => {
  it('digests 100,000 levels of nesting without overflowing the stack', () => {
    const value = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    assert.match(argumentDigest(value), /^sha256:[0-9a-f]{32}$/);
    assert.match(argumentDigest(JSON.parse(deepText(100_000))), /^sha256:[0-9a-f]{32}$/);
  });

  it('is canonical: key order does not matter, values do', () => {
    const a = argumentDigest({ b: 1, a: [1, { d: 'x', c: null }], e: { f: true } });
    assert.equal(a, argumentDigest({ e: { f: true }, a: [1, { c: null, d: 'x' }], b: 1 }));
    assert.notEqual(a, argumentDigest({ b: 1, a: [1, { d: 'x', c: null }], e: { f: false } }));
    assert.notEqual(argumentDigest({ a: '1' }), argumentDigest({ a: 1 }));
    assert.notEqual(argumentDigest([[1], 2]), argumentDigest([1, [2]]));
  });
});

describe('a provider result passed through as text', () => {
  it('is admitted only as one object that cannot close the answer it is spliced into', () => {
    for (const text of ['{}', ' {"a":[1,{"b":"}]\\"{"}]}\n', '{"content":[{"type":"text","text":"}{"}]}'])
      assert.equal(isOneObject(text, MAX_NESTING), true, text);
    const refused = [
      '',
      '{',
      '}{',
      '[1]',
      '"{}"',
      '{"a":1}{',
      '{"a":1},{"id":2}',
      '{"a":"}',
      '{}x',
      '{"a":1}}',
    ];
    // Brackets closed out of order: the `]` would close a batch around the answer.
    refused.push('{"a":1]', '{"_meta":{}]', '{"a":[}]');
    for (const text of refused) assert.equal(isOneObject(text, MAX_NESTING), false, text);
    assert.equal(isOneObject(deepText(MAX_NESTING), MAX_NESTING), true);
    assert.equal(isOneObject(deepText(MAX_NESTING + 1), MAX_NESTING), false);
  });
});

describe('an error answer', () => {
  it('goes out with its code and message when its data is nested past what serialisation survives', () => {
    const data = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    assert.deepEqual(JSON.parse(serializeResponse(7, { error: { code: -32000, message: 'failed', data } })), {
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32000, message: 'failed' },
    });
  });
});

describe('the nesting pre-scan', () => {
  const nest = (depth: number) => `${'[{"a":'.repeat(depth / 2)}1${'}]'.repeat(depth / 2)}`;
  const tooDeep = (text: string, limit = MAX_NESTING) => scanNesting(text, limit).tooDeep;

  it('admits exactly the limit and refuses one level more, arrays and objects alike', () => {
    assert.equal(tooDeep(nest(MAX_NESTING)), false);
    assert.equal(tooDeep(nest(MAX_NESTING + 2)), true);
    assert.equal(tooDeep('{"a":[1,"x",null,{"b":2}]}', 3), false);
    assert.equal(tooDeep('{"a":[1,"x",null,{"b":[]}]}', 3), true);
    assert.equal(tooDeep('"text"', 0), false);
  });

  it('counts no bracket inside a string, escaped quotes and backslashes included', () => {
    assert.equal(tooDeep('{"a":"[[[[{{{{"}', 1), false);
    assert.equal(tooDeep('{"a":"\\"[[","b":"\\\\"}', 1), false);
    assert.equal(tooDeep('{"a":"\\\\","b":[]}', 1), true);
    assert.equal(tooDeep('{"a":"\\u005b\\u005b"}', 1), false);
  });

  it('stops at the first bracket past the limit: an unterminated 2,000,000-deep text is refused without being read to the end', () => {
    assert.deepEqual(scanNesting(`{"id":"x","params":${'['.repeat(2_000_000)}`, MAX_NESTING), {
      tooDeep: true,
      requestId: 'x',
    });
  });

  it('recovers the top-level id that came before the refused part, and no other', () => {
    const deep = '['.repeat(200);
    assert.deepEqual(scanNesting(`{"id": 42 ,"p":${deep}`, MAX_NESTING), { tooDeep: true, requestId: 42 });
    assert.deepEqual(scanNesting(`{"id":"a\\"b","p":${deep}`, MAX_NESTING), {
      tooDeep: true,
      requestId: 'a"b',
    });
    for (const text of [
      `{"p":${deep}],"id":1}`,
      `{"p":{"id":1,"q":${deep}`,
      `{"method":"id","p":${deep}`,
      `{"id":{"x":1},"p":${deep}`,
      `{"id":1.5,"p":${deep}`,
      `{"id":"\\x","p":${deep}`,
    ])
      assert.deepEqual(scanNesting(text, MAX_NESTING), { tooDeep: true, requestId: null }, text);
  });

  it('an 8,400,000-character id before deep nesting is walked without a regular expression: no stack overflow, a null id', () => {
    const huge = `{"id":"${'a'.repeat(8_400_000)}","p":${'['.repeat(200)}`;
    assert.deepEqual(scanNesting(huge, MAX_NESTING), { tooDeep: true, requestId: null });
    assert.deepEqual(scanNesting(`{"id":"${'b'.repeat(1_000)}","p":${'['.repeat(200)}`, MAX_NESTING), {
      tooDeep: true,
      requestId: 'b'.repeat(1_000),
    });
  });
});

describe('hostile nesting through the gateway', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }]);
  });
  after(() => fleet.close());

  const echo = (id: number) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'echo', arguments: { text: 'still here' } },
  });

  it('tools/call with arguments 10,000 levels deep (Streamable HTTP): 400 Invalid Request, and the gateway keeps serving', async () => {
    const session = await openSession(fleet.url);
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":${deepText(10_000)}}}}`;
    const refused = await post(fleet.url, body, session);
    assert.equal(refused.status, 400, refused.text);
    assert.equal((refused.json?.error as { code: number }).code, INVALID_REQUEST);
    assert.match((refused.json?.error as { message: string }).message, /nests deeper than 100 levels/);
    const next = await post(fleet.url, echo(2), session);
    assert.deepEqual(next.json?.result, { content: [{ type: 'text', text: 'still here' }] });
  });

  it('2,000,000 nested arrays in 4 MB, never closed: -32600 from the pre-scan, not a parse error (JSON.parse never ran), on Streamable HTTP and WebSocket', async () => {
    const session = await openSession(fleet.url);
    const body = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":${'['.repeat(2_000_000)}`;
    const refused = await post(fleet.url, body, session);
    assert.equal(refused.status, 400, refused.text);
    assert.equal((refused.json?.error as { code: number }).code, INVALID_REQUEST, refused.text);
    const socket = new WebSocket(`${fleet.url.replace(/^http/, 'ws').replace(/\/mcp$/, '')}/ws`, ['mcp']);
    await once(socket, 'open');
    const reply = once(socket, 'message');
    socket.send(body.replace('"id":1', '"id":"deep"'));
    const [data] = await reply;
    assert.deepEqual(JSON.parse(String(data)), {
      jsonrpc: '2.0',
      id: 'deep',
      error: { code: INVALID_REQUEST, message: 'Invalid Request: the message nests deeper than 100 levels' },
    });
    socket.close();
    assert.deepEqual((await post(fleet.url, echo(2), session)).json?.result, {
      content: [{ type: 'text', text: 'still here' }],
    });
  });

  it('tools/call with arguments 10,000 levels deep (WebSocket): an error answering that request id, and the connection keeps serving', async () => {
    const socket = new WebSocket(`${fleet.url.replace(/^http/, 'ws').replace(/\/mcp$/, '')}/ws`, ['mcp']);
    await once(socket, 'open');
    const replies: Record<string, unknown>[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'd', version: '1' } },
      }),
    );
    socket.send(
      `{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"echo","arguments":${deepText(10_000)}}}`,
    );
    socket.send(JSON.stringify(echo(2)));
    await waitFor(
      () => replies.some((r) => r.id === 'deep') && replies.some((r) => r.id === 2),
      'both answers',
    );
    const deep = replies.find((r) => r.id === 'deep') as { error: { code: number; message: string } };
    assert.equal(deep.error.code, INVALID_REQUEST);
    assert.match(deep.error.message, /nests deeper than 100 levels/);
    assert.deepEqual(replies.find((r) => r.id === 2)?.result, {
      content: [{ type: 'text', text: 'still here' }],
    });
    socket.close();
  });

  it('an elicitation answered with a result 10,000 levels deep: refused, and the real answer still completes the call', async () => {
    const session = await openSession(fleet.url, {}, { elicitation: {} });
    const call = {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'test_elicitation', arguments: { message: 'deep?' } },
    };
    // The call streams its elicitation; the client answers on other POSTs while the stream stays open.
    let request: { id: string } | undefined;
    const stream = readUntil(fleet.url, call, session, (_ids, messages) => {
      request ??= messages.find((m) => m.method === 'elicitation/create') as { id: string } | undefined;
      return messages.some((m) => m.id === 7);
    });
    await waitFor(() => request !== undefined, 'the elicitation request');
    const id = JSON.stringify((request as { id: string }).id);
    const deep = await post(
      fleet.url,
      `{"jsonrpc":"2.0","id":${id},"result":{"action":"accept","content":${deepText(10_000)}}}`,
      session,
    );
    assert.equal(deep.status, 400, deep.text);
    assert.equal((deep.json?.error as { code: number }).code, INVALID_REQUEST);
    const real = await post(
      fleet.url,
      { jsonrpc: '2.0', id: (request as { id: string }).id, result: { action: 'decline' } },
      session,
    );
    assert.equal(real.status, 202, real.text);
    const { messages } = await stream;
    assert.deepEqual(messages.find((m) => m.id === 7)?.result, {
      content: [{ type: 'text', text: 'User response: action=decline, content={}' }],
    });
  });
});
