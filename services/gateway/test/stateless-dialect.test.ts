import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, type FleetError, NO_LOGS } from '@mcp-fleet/contract';
import { LOCAL_CALLER } from '../src/auth/authenticator.js';
import { headerParamsOf } from '../src/catalog/header-params.js';
import type { Envelope } from '../src/engine/dialect.js';
import { statelessDialect } from '../src/engine/stateless-dialect.js';
import { scanRequestId } from '../src/protocol/json-scan.js';
import type { JsonRpcRequest } from '../src/protocol/messages.js';
import { checkParamHeaders, decodeHeaderValue } from '../src/protocol/routing-headers.js';
import { META_KEYS, MODERN, envelope as metaEnvelope } from './modern.js';

const headers = (values: Record<string, string>, routesRequests = true): Envelope => ({
  header: (name) => values[name],
  routesRequests,
});
const request = (params: Record<string, unknown>, method = 'tools/list'): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: 1,
  method,
  params,
});
const noLookup = async () => undefined;
const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: FleetError) => err.code,
  );

describe('the stateless dialect classifies by the body first', () => {
  it('claims a body that names a version outside the session era, or a modern header', () => {
    assert.ok(statelessDialect.speaks(headers({}), request({ _meta: metaEnvelope() })));
    assert.ok(
      statelessDialect.speaks(headers({}), request({ _meta: { [META_KEYS.protocolVersion]: 'v999' } })),
    );
    assert.ok(statelessDialect.speaks(headers({ 'mcp-protocol-version': MODERN }), request({})));
    assert.ok(!statelessDialect.speaks(headers({ 'mcp-protocol-version': '2025-11-25' }), request({})));
    assert.ok(
      !statelessDialect.speaks(
        headers({}),
        request({ _meta: { [META_KEYS.protocolVersion]: '2025-11-25' } }),
      ),
    );
    assert.ok(!statelessDialect.speaks(headers({})));
  });

  it('builds the session of one request from its _meta, logs off unless asked for', async () => {
    const session = await statelessDialect.sessionOf(
      headers({ 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' }),
      LOCAL_CALLER,
      noLookup,
      request({ _meta: metaEnvelope({ [META_KEYS.clientCapabilities]: { sampling: {} } }) }),
    );
    assert.equal(session.protocolVersion, MODERN);
    assert.deepEqual(session.clientCapabilities, { sampling: {} });
    assert.equal(session.logLevel, NO_LOGS);
    assert.match(session.id, /^stateless\./);
  });

  it('needs no routing headers on a channel (WebSocket, gRPC), only on an HTTP POST', async () => {
    const message = request({ _meta: metaEnvelope() });
    assert.ok(await statelessDialect.sessionOf(headers({}, false), LOCAL_CALLER, noLookup, message));
    assert.equal(
      await codeOf(statelessDialect.sessionOf(headers({}), LOCAL_CALLER, noLookup, message)),
      ErrorCode.HeaderMismatch,
    );
  });
});

describe('routing header values', () => {
  it('decodes the sentinel form strictly and takes everything else literally, without its OWS', () => {
    const cases: [string, string | undefined][] = [
      ['=?base64?SGVsbG8sIOS4lueVjA==?=', 'Hello, 世界'],
      [' \tplain\t ', 'plain'],
      ['=?base64?SGVsbG8=', '=?base64?SGVsbG8='],
      ['=?base64?SGVsbG8?=', undefined],
      ['=?base64?SGVs!!!bG8=?=', undefined],
      ['=?base64?/w==?=', undefined],
    ];
    for (const [raw, decoded] of cases) assert.equal(decodeHeaderValue(raw), decoded, raw);
  });

  it('finds x-mcp-header arguments through properties only, primitives with token names', () => {
    const schema = {
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        count: { type: 'integer', 'x-mcp-header': 'Count' },
        nested: { type: 'object', properties: { flag: { type: 'boolean', 'x-mcp-header': 'Flag' } } },
        bad: { type: 'number', 'x-mcp-header': 'Bad' },
        spaced: { type: 'string', 'x-mcp-header': 'Has Space' },
      },
    };
    assert.deepEqual(headerParamsOf(schema), [
      { header: 'Region', path: ['region'], type: 'string' },
      { header: 'Count', path: ['count'], type: 'integer' },
      { header: 'Flag', path: ['nested', 'flag'], type: 'boolean' },
    ]);
  });

  it('compares integers numerically and booleans by name; absent arguments need no header', () => {
    const params = headerParamsOf({
      type: 'object',
      properties: {
        count: { type: 'integer', 'x-mcp-header': 'Count' },
        on: { type: 'boolean', 'x-mcp-header': 'On' },
      },
    });
    const source = headers({ 'mcp-param-count': '42.0', 'mcp-param-on': 'true' });
    assert.doesNotThrow(() => checkParamHeaders(source, params, { count: 42, on: true }));
    assert.doesNotThrow(() => checkParamHeaders(headers({}), params, { count: null }));
    assert.throws(() => checkParamHeaders(source, params, { count: 41 }), /Mcp-Param-Count/);
  });
});

describe('the id of a body refused before it is parsed', () => {
  it('is scanned from its top level only', () => {
    assert.equal(scanRequestId('{"jsonrpc":"2.0","params":{"id":9},"id":"a",<broken'), 'a');
    assert.equal(scanRequestId('{"id":7,'), 7);
    assert.equal(scanRequestId('{"params":{"id":9}}'), null);
  });
});
