import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '@mcp-fleet/runtime';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { checkServerCardOptions } from '../src/server-card/routes.js';
import { type SearchFleet, startSearchFleet } from './catalog-search-support.js';

// ajv-formats is CommonJS: its default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const SCHEMA = new URL('../../test/fixtures/server-card.schema.json', import.meta.url);

type Card = {
  name: string;
  remotes: { type: string; url: string; headers?: { name: string }[] }[];
  _meta: Record<string, unknown>;
};

describe('server card (SEP-2127 draft)', () => {
  let search: SearchFleet;
  let base: string;
  let validate: ReturnType<Ajv2020['compile']>;

  before(async () => {
    search = await startSearchFleet();
    base = search.fleet.url.replace(/\/mcp$/, '');
    const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
    ajv.addSchema(JSON.parse(await readFile(SCHEMA, 'utf8')), 'schema.json');
    validate = ajv.getSchema('schema.json#/$defs/ServerCard') as ReturnType<Ajv2020['compile']>;
  });
  after(() => search.close());

  const card = async () => {
    const response = await fetch(`${base}/mcp/server-card`, {
      headers: { accept: 'application/mcp-server-card+json' },
    });
    return { response, body: (await response.json()) as Card };
  };

  it('serves the card at <mcp-url>/server-card with its media type, valid against the draft schema', async () => {
    const { response, body } = await card();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/mcp-server-card+json');
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.ok(validate(body), JSON.stringify(validate.errors));
    assert.equal(body.name, 'io.mcp-fleet/gateway');
    const http = body.remotes.find((r) => r.type === 'streamable-http');
    assert.equal(http?.url, `${base}/mcp`);
    assert.deepEqual(
      http?.headers?.map((h) => h.name),
      ['Authorization'],
      'an authenticated gateway says how to authenticate',
    );
    assert.ok(
      !JSON.stringify(body).includes(`:${search.fleet.gateway.grpcPort}`),
      'the gRPC edge, often internal, is not published',
    );
  });

  it('lists only the tools an anonymous caller may see, and none when policy gives it nothing', async () => {
    assert.deepEqual(
      ((await card()).body._meta['io.mcp-fleet/tools'] as { name: string }[]).map((t) => t.name),
      ['lab_echo'],
      'the anonymous role allows lab_echo alone, of the 500-odd tools',
    );
    const policy = await readFile(search.policyFile, 'utf8');
    await writeFile(search.policyFile, policy.replace(/ {2}anonymous:\n.*\n/, ''));
    assert.equal(await search.fleet.gateway.policy.reload(), true);
    const { body } = await card();
    assert.deepEqual(body._meta['io.mcp-fleet/tools'], []);
    assert.ok(validate(body), JSON.stringify(validate.errors));
  });

  it('answers If-None-Match with 304 while nothing changed', async () => {
    const { response } = await card();
    const etag = response.headers.get('etag') as string;
    assert.match(etag, /^".+"$/);
    const again = await fetch(`${base}/mcp/server-card`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
  });

  it('advertises the card in the AI Catalog, at the draft well-known path and the earlier one', async () => {
    for (const [path, type] of [
      ['/.well-known/ai-catalog.json', 'application/ai-catalog+json'],
      ['/.well-known/mcp/catalog.json', 'application/json'],
    ] as const) {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type')?.split(';')[0], type, path);
      const catalog = (await response.json()) as {
        entries: { type: string; url: string; identifier: string }[];
      };
      assert.deepEqual(catalog.entries, [
        {
          identifier: 'urn:air:127.0.0.1:mcp:gateway',
          type: 'application/mcp-server-card+json',
          url: `${base}/mcp/server-card`,
        },
      ]);
    }
  });
});

describe('server card settings', () => {
  it('refuses at boot a name the draft would reject and a public URL that is no http(s) origin', () => {
    checkServerCardOptions({ name: 'com.example/fleet', publicUrl: 'https://mcp.example.com' });
    for (const name of ['fleet', 'a/b/c', 'com.example/fleet x', `x/${'a'.repeat(200)}`])
      assert.throws(() => checkServerCardOptions({ name }), ConfigError, name);
    for (const publicUrl of ['mcp.example.com', 'https://mcp.example.com/mcp', 'javascript:alert(1)'])
      assert.throws(() => checkServerCardOptions({ name: 'a/b', publicUrl }), ConfigError, publicUrl);
  });
});
