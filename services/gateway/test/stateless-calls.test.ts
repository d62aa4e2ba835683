import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { META_KEYS, MODERN, modernRequest, postModern, routingHeaders } from './modern.js';
import { type Fleet, initialize, MCP_HEADERS, post, startFleet } from './support.js';

type Json = Record<string, unknown> | undefined;
const codeOf = (json: Json) => (json?.error as { code: number } | undefined)?.code;

/** Every message of an SSE body, in order. */
const messagesOf = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);

describe('MCP 2026-07-28 calls over Streamable HTTP', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }]);
  });
  after(() => fleet.close());

  const call = (id: number, name: string, meta: Record<string, unknown> = {}) =>
    modernRequest(id, 'tools/call', { name, arguments: {} }, meta);

  it('streams progress over SSE before the answer, without event ids', async () => {
    const { headers, text } = await postModern(
      fleet.url,
      call(1, 'test_tool_with_progress', { progressToken: 't' }),
    );
    assert.match(headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.doesNotMatch(text, /^id:/m);
    const messages = messagesOf(text);
    assert.deepEqual(
      messages
        .filter((m) => m.method === 'notifications/progress')
        .map((m) => (m.params as { progress: number }).progress),
      [0, 50, 100],
    );
    assert.equal(messages.at(-1)?.id, 1);
    assert.equal((messages.at(-1)?.result as { resultType: string }).resultType, 'complete');
  });

  it('sends log messages only to a request that asks for them, at and above its level', async () => {
    const levels = async (meta: Record<string, unknown>) =>
      messagesOf((await postModern(fleet.url, call(2, 'test_logging_tool', meta))).text)
        .filter((m) => m.method === 'notifications/message')
        .map((m) => (m.params as { level: string }).level);
    assert.deepEqual(await levels({}), []);
    assert.deepEqual(await levels({ [META_KEYS.logLevel]: 'error' }), ['error']);
    assert.deepEqual(await levels({ [META_KEYS.logLevel]: 'debug' }), ['debug', 'info', 'warning', 'error']);
  });

  it('refuses an unknown log level', async () => {
    const { status, json } = await postModern(
      fleet.url,
      call(3, 'test_logging_tool', { [META_KEYS.logLevel]: 'loud' }),
    );
    assert.equal(status, 400);
    assert.equal(codeOf(json), ErrorCode.InvalidParams);
    assert.equal(json?.id, 3);
  });

  it('answers a missing client capability with MissingClientCapability and HTTP 400', async () => {
    const { status, json } = await postModern(fleet.url, call(4, 'test_missing_capability'));
    assert.equal(status, 400);
    assert.equal(json?.id, 4);
    const error = json?.error as { code: number; data: unknown };
    assert.equal(error.code, ErrorCode.MissingClientCapability);
    assert.deepEqual(error.data, { requiredCapabilities: { sampling: {} } });
  });

  it('answers a missing resource with InvalidParams naming its uri (SEP-2164), in-band', async () => {
    const uri = 'test://nonexistent-resource-for-conformance-testing';
    const { status, json } = await postModern(fleet.url, modernRequest(5, 'resources/read', { uri }));
    assert.equal(status, 200);
    const error = json?.error as { code: number; data: unknown };
    assert.equal(error.code, ErrorCode.InvalidParams);
    assert.deepEqual(error.data, { uri });
  });

  it('serves a request that carries both a session id and the 2026 envelope statelessly (body first)', async () => {
    const session = await initialize(fleet.url);
    const { status, json, headers } = await postModern(fleet.url, modernRequest(6, 'server/discover'), {
      'mcp-session-id': session,
    });
    assert.equal(status, 200);
    assert.ok((json?.result as { supportedVersions: unknown }).supportedVersions);
    assert.equal(headers.get('mcp-session-id'), null);
  });

  it('has no streams to open or sessions to end: GET and DELETE with a 2026 header are 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(fleet.url, {
        method,
        headers: { accept: 'text/event-stream', 'mcp-protocol-version': MODERN },
      });
      assert.equal(response.status, 405, method);
    }
  });

  it('takes a notification with 202 and refuses a batch', async () => {
    const headers = { 'mcp-protocol-version': MODERN };
    const notification = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } };
    assert.equal((await post(fleet.url, notification, headers)).status, 202);
    const batch = await post(fleet.url, [modernRequest(7, 'tools/list')], headers);
    assert.equal(batch.status, 400);
    assert.equal(codeOf(batch.json), ErrorCode.InvalidRequest);
  });
});

describe('MCP 2026-07-28 routing headers as admission: policy and limits before the body is parsed', () => {
  let fleet: Fleet;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-screen-'));
    await writeFile(
      join(dir, 'policy.yaml'),
      'roles:\n  local:\n    tools: { allow: ["*"], deny: ["test_error_handling"] }\n    resources: { allow: ["*"] }\n    prompts: { allow: ["*"] }\n    toolRateLimit: { perSecond: 0.01, burst: 2 }\n',
    );
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }], {
      MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
    });
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A body that is not JSON past its id: answered from the headers alone, or a parse error. */
  const unparsed = (id: number, name: string) =>
    fetch(fleet.url, {
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': name,
      },
      body: `{"jsonrpc":"2.0","id":${id},"method":"tools/call",<not json>`,
    });

  it('refuses a denied tool by its headers, the id scanned from a body never parsed', async () => {
    const response = await unparsed(11, 'test_error_handling');
    assert.equal(response.status, 403);
    const json = (await response.json()) as Record<string, unknown>;
    assert.equal(json.id, 11);
    assert.equal(codeOf(json), ErrorCode.Forbidden);
    assert.match((json.error as { message: string }).message, /test_error_handling|deny/);
  });

  it('spends the rate limit once per call, from the headers, and refuses past it before parsing', async () => {
    for (const id of [12, 13]) {
      const body = modernRequest(id, 'tools/call', { name: 'echo', arguments: { text: 'x' } });
      const { status, headers } = await post(fleet.url, body, routingHeaders(body));
      assert.equal(status, 200, `call ${id}`);
      assert.ok(headers.get('ratelimit-remaining') !== null);
    }
    const response = await unparsed(14, 'echo');
    assert.equal(response.status, 429);
    assert.equal(((await response.json()) as Record<string, unknown>).id, 14);
  });

  it('parses the body when the headers allow it (a body that does not parse is a parse error)', async () => {
    const response = await unparsed(15, 'test_simple_text');
    assert.equal(response.status, 400);
    assert.equal(codeOf((await response.json()) as Record<string, unknown>), ErrorCode.ParseError);
  });
});
