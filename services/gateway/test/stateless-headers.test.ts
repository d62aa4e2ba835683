import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { MODERN, modernRequest, postModern, routingHeaders } from './modern.js';
import { type Fleet, initialize, post, startFleet } from './support.js';

const codeOf = (json: Record<string, unknown> | undefined) =>
  (json?.error as { code: number } | undefined)?.code;

/** The routing headers of MCP 2026-07-28 (SEP-2243) over Streamable HTTP, as conformance probes them. */
describe('MCP 2026-07-28 routing headers: MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }]);
  });
  after(() => fleet.close());

  const echo = (id: number) => modernRequest(id, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });

  const refused = async (
    body: ReturnType<typeof modernRequest>,
    headers: Record<string, string | undefined>,
  ) => {
    const sent = Object.fromEntries(
      Object.entries({ ...routingHeaders(body), ...headers }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
    const { status, json } = await post(fleet.url, body, sent);
    assert.equal(status, 400, JSON.stringify(headers));
    assert.equal(codeOf(json), ErrorCode.HeaderMismatch, JSON.stringify(headers));
    assert.equal(json?.id, body.id);
  };

  it('refuses a missing or different Mcp-Method, compared case-sensitively', async () => {
    const list = modernRequest(1, 'tools/list');
    await refused(list, { 'mcp-method': 'prompts/list' });
    await refused(list, { 'mcp-method': undefined });
    await refused(list, { 'mcp-method': 'TOOLS/LIST' });
  });

  it('refuses a missing MCP-Protocol-Version header on a body that claims 2026-07-28', async () => {
    await refused(modernRequest(2, 'tools/list'), { 'mcp-protocol-version': undefined });
  });

  it('refuses a missing or wrong Mcp-Name', async () => {
    await refused(echo(3), { 'mcp-name': undefined });
    await refused(echo(3), { 'mcp-name': 'wrong_tool_name' });
  });

  it('takes header names in any case and trims optional whitespace from values', async () => {
    const variants: Record<string, string>[] = [
      { 'MCP-METHOD': 'tools/call', 'MCP-NAME': 'echo' },
      { 'mcp-method': 'tools/call', 'mcp-name': '  echo\t' },
    ];
    for (const headers of variants) {
      const { status, json } = await post(fleet.url, echo(4), { 'MCP-Protocol-Version': MODERN, ...headers });
      assert.equal(status, 200, JSON.stringify(headers));
      assert.ok(json?.result, JSON.stringify(headers));
    }
  });

  it('decodes an Mcp-Name in the =?base64?…?= form, and refuses broken base64', async () => {
    const named = modernRequest(5, 'resources/read', { uri: 'test://static-text' });
    const encoded = `=?base64?${Buffer.from('test://static-text').toString('base64')}?=`;
    assert.equal((await postModern(fleet.url, named, { 'mcp-name': encoded })).status, 200);
    await refused(named, { 'mcp-name': '=?base64?dGVzdDovL3N0YXRpYy10ZXh?=' });
  });

  describe('Mcp-Param-* for arguments declared x-mcp-header', () => {
    const call = (region: unknown, id = 10) =>
      modernRequest(id, 'tools/call', { name: 'test_header_param', arguments: { region } });
    const accepted = async (region: unknown, header: string | undefined) => {
      const headers: Record<string, string> = header === undefined ? {} : { 'mcp-param-region': header };
      const { status, json } = await postModern(fleet.url, call(region), headers);
      assert.equal(status, 200, `${header}`);
      assert.deepEqual((json?.result as { content: unknown }).content, [
        { type: 'text', text: `Region: ${region}` },
      ]);
    };

    it('accepts the value itself, its canonical base64 form, and a literal that only looks encoded', async () => {
      await accepted('eu-west', 'eu-west');
      await accepted('Hello', '=?base64?SGVsbG8=?=');
      await accepted('Hello, 世界', '=?base64?SGVsbG8sIOS4lueVjA==?=');
      await accepted(' padded ', '=?base64?IHBhZGRlZCA=?=');
      await accepted('SGVsbG8=', 'SGVsbG8=');
      await accepted('=?base64?SGVsbG8=', '=?base64?SGVsbG8=');
    });

    it('refuses a missing header, another value, unpadded or invalid base64, and bytes that are not UTF-8', async () => {
      for (const header of [
        undefined,
        'us-east',
        '=?base64?SGVsbG8?=',
        '=?base64?SGVs!!!bG8=?=',
        '=?base64?/w==?=',
      ]) {
        const { status, json } = await postModern(
          fleet.url,
          call('Hello'),
          header === undefined ? {} : { 'mcp-param-region': header },
        );
        assert.equal(status, 400, `${header}`);
        assert.equal(codeOf(json), ErrorCode.HeaderMismatch, `${header}`);
      }
    });
  });

  it('checks nothing of the kind on a 2025-11-25 session', async () => {
    const session = { 'mcp-session-id': await initialize(fleet.url), 'mcp-protocol-version': '2025-11-25' };
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'test_header_param', arguments: { region: 'x' } },
    };
    const { json } = await post(fleet.url, body, {
      ...session,
      'mcp-method': 'prompts/list',
      'mcp-name': 'other',
    });
    assert.ok(json?.result);
  });
});
