import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { CardCache } from '../src/server-card/card-cache.js';
import { type Fleet, startFleet } from './support.js';

interface Got {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** A GET with a Host header of our choosing (fetch would set its own). */
const get = (port: number, path: string, host: string) =>
  new Promise<Got>((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    sent.on('error', reject);
    sent.end();
  });

const PATHS = [
  '/mcp/server-card',
  '/.well-known/ai-catalog.json',
  '/.well-known/mcp/catalog.json',
  '/.well-known/oauth-protected-resource/mcp',
];

/** Attack 19 hole 5: the card's URLs came from any Host, and a malformed one answered 500. */
describe('server card, AI catalog and resource metadata: only the hosts the /mcp edge allows', () => {
  let fleet: Fleet;
  let port: number;

  before(async () => {
    fleet = await startFleet([], { MCPFLEET_ALLOWED_HOSTS: 'gw.example.com' });
    port = Number(new URL(fleet.url).port);
  });
  after(() => fleet.close());

  it('a Host /mcp refuses is refused on every discovery path too (403), no URL of it served', async () => {
    assert.equal((await get(port, '/mcp', 'evil.example')).status, 403);
    for (const path of PATHS) {
      const got = await get(port, path, 'evil.example');
      assert.equal(got.status, 403, `${path}: ${got.status} ${got.body}`);
      assert.doesNotMatch(got.body, /evil\.example\/mcp/);
      assert.notEqual(got.headers['cache-control'], 'public, max-age=300');
    }
  });

  it('an allowed Host gets its URLs', async () => {
    const got = await get(port, '/mcp/server-card', 'gw.example.com');
    assert.equal(got.status, 200);
    assert.match(got.body, /http:\/\/gw\.example\.com\/mcp/);
  });

  it('a malformed Host is a typed 4xx, never a 500', async () => {
    for (const host of [
      '[',
      'a:b:c',
      'gw.example.com:notaport',
      'gw.example.com:99999',
      'gw.example.com@evil',
    ]) {
      for (const path of PATHS) {
        const got = await get(port, path, host);
        assert.ok(got.status >= 400 && got.status < 500, `${path} Host ${host}: ${got.status} ${got.body}`);
        const { error } = JSON.parse(got.body) as { error: { code: number } };
        assert.notEqual(error.code, ErrorCode.InternalError);
      }
    }
  });
});

describe('CardCache: one visibility pass per catalog and policy, one body per base', () => {
  it('builds the visible tools once and each base once, until the revision changes', () => {
    let revision = 1;
    let filtered = 0;
    const rendered: string[] = [];
    const cache = new CardCache(
      () => [revision],
      () => {
        filtered++;
        return [{ name: 't' }];
      },
      (base, tools) => {
        rendered.push(base);
        return `${base}:${tools.length}`;
      },
      2,
    );
    for (let i = 0; i < 50; i++) assert.equal(cache.body('http://a'), 'http://a:1');
    cache.body('http://b');
    cache.body('http://c');
    assert.deepEqual([filtered, rendered], [1, ['http://a', 'http://b', 'http://c']]);
    cache.body('http://c');
    assert.equal(rendered.length, 3, 'a cached base is not rendered again');
    revision = 2;
    cache.body('http://c');
    assert.deepEqual([filtered, rendered.length], [2, 4]);
  });
});
