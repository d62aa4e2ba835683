import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { META_KEYS, MODERN, modernRequest, postModern } from './modern.js';
import { type Fleet, initialize, startFleet } from './support.js';

describe('MCP 2026-07-28 over Streamable HTTP: stateless requests beside sessions', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }]);
  });
  after(() => fleet.close());

  it('answers server/discover with the modern versions, capabilities, serverInfo in _meta and cache hints', async () => {
    const { status, json, headers } = await postModern(fleet.url, modernRequest('d1', 'server/discover'));
    assert.equal(status, 200);
    assert.equal(headers.get('mcp-session-id'), null);
    const result = json?.result as Record<string, unknown>;
    assert.equal(json?.id, 'd1');
    assert.equal(result.resultType, 'complete');
    assert.deepEqual(result.supportedVersions, [MODERN]);
    assert.ok((result.capabilities as Record<string, unknown>).tools);
    assert.equal(typeof result.ttlMs, 'number');
    assert.equal(result.cacheScope, 'public');
    const info = (result._meta as Record<string, Record<string, unknown>>)[META_KEYS.serverInfo];
    assert.equal(info?.name, 'mcp-fleet-gateway');
    assert.equal(result.serverInfo, undefined);
  });

  it('calls a tool without any session, the result complete and signed by the gateway', async () => {
    const { status, json } = await postModern(
      fleet.url,
      modernRequest(2, 'tools/call', { name: 'echo', arguments: { text: 'hi' } }),
    );
    assert.equal(status, 200);
    const result = json?.result as Record<string, unknown>;
    assert.deepEqual(result.content, [{ type: 'text', text: 'hi' }]);
    assert.equal(result.resultType, 'complete');
    assert.ok((result._meta as Record<string, unknown>)[META_KEYS.serverInfo]);
  });

  it('puts cache hints on lists, private since policy filters them per caller', async () => {
    for (const method of ['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']) {
      const { status, json } = await postModern(fleet.url, modernRequest(3, method));
      assert.equal(status, 200, method);
      const result = json?.result as Record<string, unknown>;
      assert.equal(result.cacheScope, 'private', method);
      assert.equal(result.ttlMs, 30_000, method);
      assert.equal(result.resultType, 'complete', method);
    }
    const read = await postModern(
      fleet.url,
      modernRequest(4, 'resources/read', { uri: 'test://static-text' }),
    );
    assert.equal((read.json?.result as Record<string, unknown>).cacheScope, 'private');
  });

  for (const method of [
    'initialize',
    'ping',
    'logging/setLevel',
    'resources/subscribe',
    'resources/unsubscribe',
    'unknown/method',
  ]) {
    it(`answers ${method} with 404 and MethodNotFound, echoing the id`, async () => {
      const { status, json } = await postModern(
        fleet.url,
        modernRequest(77, method, { uri: 'test://static-text' }),
      );
      assert.equal(status, 404);
      assert.equal(json?.id, 77);
      assert.equal((json?.error as { code: number }).code, ErrorCode.MethodNotFound);
    });
  }

  it('refuses a modern header without the envelope: InvalidParams, 400, the id echoed', async () => {
    for (const params of [
      {},
      { _meta: { [META_KEYS.clientCapabilities]: {} } },
      { _meta: { [META_KEYS.protocolVersion]: MODERN } },
    ]) {
      const body = { jsonrpc: '2.0', id: 101, method: 'server/discover', params };
      const { status, json } = await postModern(fleet.url, body);
      assert.equal(status, 400, JSON.stringify(params));
      assert.equal(json?.id, 101);
      assert.equal((json?.error as { code: number }).code, ErrorCode.InvalidParams);
    }
  });

  it('accepts a request without clientInfo', async () => {
    const body = modernRequest(5, 'server/discover');
    delete (body.params._meta as Record<string, unknown>)[META_KEYS.clientInfo];
    assert.equal((await postModern(fleet.url, body)).status, 200);
  });

  it('checks the version: header/body disagreement before an unsupported version', async () => {
    const v999 = modernRequest(301, 'server/discover', {}, { [META_KEYS.protocolVersion]: 'v999.0.0' });
    const unsupported = await postModern(fleet.url, v999, { 'mcp-protocol-version': 'v999.0.0' });
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.json?.id, 301);
    const error = unsupported.json?.error as {
      code: number;
      data: { supported: string[]; requested: string };
    };
    assert.equal(error.code, ErrorCode.UnsupportedProtocolVersion);
    assert.deepEqual(error.data, { supported: [MODERN], requested: 'v999.0.0' });
    const mismatch = await postModern(fleet.url, { ...v999, id: 302 });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json?.id, 302);
    assert.equal((mismatch.json?.error as { code: number }).code, ErrorCode.HeaderMismatch);
  });

  it('still serves 2025-11-25 sessions on the same endpoint', async () => {
    assert.ok(await initialize(fleet.url));
  });
});
