import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { type Fleet, initialize, MCP_HEADERS, post, startFleet } from './support.js';

/** fetch() may not set Host; node:http may, as a DNS-rebinding page's browser effectively does. */
function rawPost(url: string, body: unknown, headers: Record<string, string>): ReturnType<typeof post> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'POST', headers: { ...MCP_HEADERS, ...headers } },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: new Headers(response.headers as Record<string, string>),
            text,
            json: JSON.parse(text),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

const call = (id: number, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

describe('Streamable HTTP: bad input gets a typed error and the gateway keeps serving', () => {
  let fleet: Fleet;
  let session: string;
  before(async () => {
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }], {
      MCPFLEET_BODY_LIMIT: '65536',
    });
    session = await initialize(fleet.url);
  });
  after(() => fleet.close());

  const withSession = () => ({ 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });

  const stillServing = async () => {
    const { status, json } = await post(fleet.url, call(99, 'echo', { text: 'ok' }), withSession());
    assert.equal(status, 200);
    assert.deepEqual(json?.result, { content: [{ type: 'text', text: 'ok' }] });
  };

  const cases: [string, () => Promise<Awaited<ReturnType<typeof post>>>, number, number][] = [
    ['malformed JSON', () => post(fleet.url, '{"jsonrpc":"2.0",', withSession()), 400, -32700],
    ['an empty body', () => post(fleet.url, '', withSession()), 400, -32700],
    ['a JSON value that is not a message', () => post(fleet.url, '"hello"', withSession()), 400, -32600],
    [
      'a message without jsonrpc 2.0',
      () => post(fleet.url, { jsonrpc: '1.0', id: 1, method: 'ping' }, withSession()),
      400,
      -32600,
    ],
    [
      'a numeric method',
      () => post(fleet.url, { jsonrpc: '2.0', id: 1, method: 7 }, withSession()),
      400,
      -32600,
    ],
    [
      'params that are an array',
      () => post(fleet.url, { jsonrpc: '2.0', id: 1, method: 'ping', params: [] }, withSession()),
      400,
      -32600,
    ],
    [
      'a null id',
      () => post(fleet.url, { jsonrpc: '2.0', id: null, method: 'ping' }, withSession()),
      400,
      -32600,
    ],
    [
      'a batch on a 2025-11-25 session',
      () => post(fleet.url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }], withSession()),
      400,
      -32600,
    ],
    ['no session id', () => post(fleet.url, { jsonrpc: '2.0', id: 1, method: 'ping' }), 400, -32000],
    [
      'an unknown session id',
      () => post(fleet.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': 'nope' }),
      404,
      -32001,
    ],
    [
      'an unsupported protocol version header',
      () =>
        post(
          fleet.url,
          { jsonrpc: '2.0', id: 1, method: 'ping' },
          { 'mcp-session-id': session, 'mcp-protocol-version': '1999-01-01' },
        ),
      400,
      -32000,
    ],
    [
      'an Accept header without text/event-stream',
      () =>
        post(
          fleet.url,
          { jsonrpc: '2.0', id: 1, method: 'ping' },
          { ...withSession(), accept: 'application/json' },
        ),
      406,
      -32000,
    ],
    [
      'a text/plain body',
      () => post(fleet.url, 'ping', { ...withSession(), 'content-type': 'text/plain' }),
      415,
      -32000,
    ],
    [
      'a body over the limit',
      () => post(fleet.url, call(1, 'echo', { text: 'x'.repeat(70_000) }), withSession()),
      413,
      -32000,
    ],
    [
      'a foreign Origin (DNS rebinding)',
      () =>
        post(
          fleet.url,
          { jsonrpc: '2.0', id: 1, method: 'ping' },
          { ...withSession(), origin: 'http://evil.example.com' },
        ),
      403,
      -32000,
    ],
    [
      'a foreign Host on a loopback listener',
      () =>
        rawPost(
          fleet.url,
          { jsonrpc: '2.0', id: 1, method: 'ping' },
          { ...withSession(), host: 'evil.example.com' },
        ),
      403,
      -32000,
    ],
  ];
  for (const [what, send, status, code] of cases) {
    it(`${what} → HTTP ${status}, JSON-RPC ${code}`, async () => {
      const response = await send();
      assert.equal(response.status, status, response.text);
      assert.equal((response.json?.error as { code: number } | undefined)?.code, code, response.text);
      assert.equal(response.json?.id, null);
      await stillServing();
    });
  }

  it('a Host once admitted is remembered, a refused one never: past the kept spellings each is still checked', async () => {
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
    const evil = () => rawPost(fleet.url, ping, { ...withSession(), host: 'evil.example.com:80' });
    assert.equal((await evil()).status, 403);
    for (let port = 1; port <= 80; port++) {
      const admitted = await rawPost(fleet.url, ping, { ...withSession(), host: `LocalHost:${port}` });
      assert.equal(admitted.status, 200, admitted.text);
    }
    assert.equal((await evil()).status, 403);
    assert.equal(
      (await rawPost(fleet.url, ping, { ...withSession(), host: 'localhost.evil.example' })).status,
      403,
    );
  });

  it('an unknown method → -32601 in a 200 response', async () => {
    const { status, json } = await post(
      fleet.url,
      { jsonrpc: '2.0', id: 5, method: 'tools/destroy' },
      withSession(),
    );
    assert.equal(status, 200);
    assert.deepEqual(json, {
      jsonrpc: '2.0',
      id: 5,
      error: { code: -32601, message: 'Method not found: tools/destroy' },
    });
  });

  it('an unknown tool → -32602; schema-violating arguments → a tool error the model reads', async () => {
    const unknown = await post(fleet.url, call(6, 'nope'), withSession());
    assert.equal((unknown.json?.error as { code: number }).code, -32602);
    const invalid = await post(fleet.url, call(7, 'echo', { text: ['not', 'a', 'string'] }), withSession());
    assert.equal(invalid.json?.error, undefined);
    const result = invalid.json?.result as { isError: boolean; content: { text: string }[] };
    assert.equal(result.isError, true);
    assert.match(result.content[0]?.text ?? '', /^Invalid arguments: \/text must be string/);
  });

  it('an invalid cursor → -32602', async () => {
    const { json } = await post(
      fleet.url,
      { jsonrpc: '2.0', id: 8, method: 'tools/list', params: { cursor: '%%%' } },
      withSession(),
    );
    assert.equal((json?.error as { code: number }).code, -32602);
  });

  it('notifications are accepted with 202 and no body; an answer to a request never sent is 403', async () => {
    const notification = await post(
      fleet.url,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      withSession(),
    );
    assert.equal(notification.status, 202);
    assert.equal(notification.text, '');
    const response = await post(fleet.url, { jsonrpc: '2.0', id: 's:nobody:1', result: {} }, withSession());
    assert.equal(response.status, 403);
    assert.equal((response.json?.error as { code: number }).code, ErrorCode.Forbidden);
  });

  it('GET needs text/event-stream; other methods are 405 with Allow', async () => {
    const get = await fetch(fleet.url, { headers: { ...withSession(), accept: 'application/json' } });
    assert.equal(get.status, 406);
    const put = await fetch(fleet.url, {
      method: 'PUT',
      headers: { ...MCP_HEADERS, ...withSession() },
      body: '{}',
    });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST, DELETE');
  });

  it('a 2025-03-26 session may batch: requests answered together, notifications taken', async () => {
    const old = await initialize(fleet.url, '2025-03-26');
    const headers = { 'mcp-session-id': old, 'mcp-protocol-version': '2025-03-26' };
    const { status, json } = await post(
      fleet.url,
      [
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        call(1, 'echo', { text: 'a' }),
        { jsonrpc: '2.0', id: 2, method: 'ping' },
        { jsonrpc: '2.0', id: 3, method: 'nope' },
      ],
      headers,
    );
    assert.equal(status, 200);
    assert.deepEqual(json, [
      { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'a' }] } },
      { jsonrpc: '2.0', id: 2, result: {} },
      { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found: nope' } },
    ]);
  });

  it('negotiates: a supported older version is kept, an unknown one gets the newest', async () => {
    const ask = async (protocolVersion: string) =>
      (
        await post(fleet.url, {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion, capabilities: {}, clientInfo: { name: 'v', version: '1' } },
        })
      ).json?.result as { protocolVersion: string };
    assert.equal((await ask('2025-06-18')).protocolVersion, '2025-06-18');
    assert.equal((await ask('2025-03-26')).protocolVersion, '2025-03-26');
    assert.equal((await ask('2030-01-01')).protocolVersion, '2025-11-25');
  });

  it('after DELETE the session is gone: 404 tells the client to initialize again', async () => {
    const doomed = await initialize(fleet.url);
    const headers = { ...MCP_HEADERS, 'mcp-session-id': doomed };
    assert.equal((await fetch(fleet.url, { method: 'DELETE', headers })).status, 200);
    const after = await post(
      fleet.url,
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { 'mcp-session-id': doomed },
    );
    assert.equal(after.status, 404);
    assert.match(String((after.json?.error as { message: string }).message), /initialize a new session/);
    assert.equal((await fetch(fleet.url, { method: 'DELETE', headers })).status, 404);
  });

  it('pages long lists with opaque cursors', async () => {
    const small = await startFleet([{ name: 'everything', prefix: '', definitions }], {
      MCPFLEET_PAGE_SIZE: '4',
    });
    try {
      const id = await initialize(small.url);
      const names: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const params: Record<string, unknown> = cursor ? { cursor } : {};
        const { json } = await post(
          small.url,
          { jsonrpc: '2.0', id: 1, method: 'tools/list', params },
          { 'mcp-session-id': id },
        );
        const result = json?.result as { tools: { name: string }[]; nextCursor?: string };
        names.push(...result.tools.map((t) => t.name));
        cursor = result.nextCursor;
        pages++;
      } while (cursor);
      // Every tool of the everything provider, four a page.
      const tools = definitions.filter((d) => d.kind === 'tool').length;
      assert.equal(names.length, tools);
      assert.equal(new Set(names).size, tools);
      assert.equal(pages, Math.ceil(tools / 4));
    } finally {
      await small.close();
    }
  });
});
