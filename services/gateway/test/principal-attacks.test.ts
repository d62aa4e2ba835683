import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defineTool } from '@mcp-fleet/sdk';
import { gatedTool } from '@mcp-fleet/sdk/testing';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { generateApiKey } from '../src/auth/api-keys.js';
import { principalOf } from '../src/auth/principal.js';
import { IdentityMinter } from '../src/identity/minter.js';
import { redisUrl } from './redis-support.js';
import { type Fleet, initializeRequest, MCP_HEADERS, openSession, post, startFleet } from './support.js';

const ISSUER = 'https://idp.test';
const whoami = defineTool({
  name: 'whoami',
  description: 'Returns what the provider knows about the caller.',
  inputSchema: { type: 'object' },
  handler: (_args, ctx) => ({ content: [], structuredContent: { ...ctx.identity } }),
});
const slow = gatedTool('slow');

/**
 * An API key's subject and a JWT's `sub` are written by different parties: an identity provider
 * user may well be called like a key the operator configured. They are two callers all the same.
 */
describe('an API-key subject and a JWT sub with the same value are different callers', () => {
  let fleet: Fleet;
  let dir: string;
  let jwt: (subject: string, role: string) => Promise<string>;
  // Subjects unique to this run: limits live in the shared Redis.
  const run = randomBytes(4).toString('hex');
  const name = (who: string) => `${who}-${run}`;
  const keys = {
    session: generateApiKey('session'),
    rated: generateApiKey('rated'),
    quota: generateApiKey('quota'),
    busy: generateApiKey('busy'),
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-principal-'));
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    await writeFile(
      join(dir, 'jwks.json'),
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256', use: 'sig' }] }),
    );
    jwt = (subject, role) =>
      new SignJWT({ roles: [role] })
        .setProtectedHeader({ alg: 'ES256', kid: 'k' })
        .setSubject(subject)
        .setIssuer(ISSUER)
        .setAudience('mcp-fleet')
        .setExpirationTime('5m')
        .sign(privateKey);
    const entry = (id: keyof typeof keys, role: string) =>
      `  - { id: ${id}, hash: "${keys[id].hash}", subject: ${name(id)}, roles: [${role}] }`;
    await writeFile(
      join(dir, 'auth.yaml'),
      `apiKeys:
${entry('session', 'free')}
${entry('rated', 'rated')}
${entry('quota', 'counted')}
${entry('busy', 'free')}
jwt: { issuer: "${ISSUER}", audience: mcp-fleet, jwksFile: ${join(dir, 'jwks.json')}, algorithms: [ES256] }
`,
    );
    await writeFile(
      join(dir, 'policy.yaml'),
      `roles:
  free: { tools: { allow: ["*"] } }
  rated: { tools: { allow: ["*"] }, rateLimit: { perSecond: 0.001, burst: 1 } }
  counted: { tools: { allow: ["*"] }, quota: { perHour: 1 } }
`,
    );
    fleet = await startFleet([{ name: 'lab', definitions: [whoami, slow.definition] }], {
      REDIS_URL: redisUrl(),
      MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
      MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
      MCPFLEET_MAX_CONCURRENT_PER_SUBJECT: '1',
    });
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const open = (credentials: Record<string, string>) => openSession(fleet.url, credentials);
  const call = (headers: Record<string, string>, tool: string) =>
    post(
      fleet.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } },
      headers,
    );

  it("a JWT user named like an API key's subject cannot use, or end, the key's session", async () => {
    const keySession = await open(bearer(keys.session.key));
    const impostor = { ...keySession, ...bearer(await jwt(name('session'), 'free')) };
    const ping = await post(fleet.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, impostor);
    assert.equal(ping.status, 404);
    const ended = await fetch(fleet.url, { method: 'DELETE', headers: { ...MCP_HEADERS, ...impostor } });
    assert.equal(ended.status, 404);
    assert.equal((await post(fleet.url, { jsonrpc: '2.0', id: 3, method: 'ping' }, keySession)).status, 200);
  });

  it('providers are told two different principals for the two callers', async () => {
    const identity = async (headers: Record<string, string>) =>
      ((await call(headers, 'lab_whoami')).json?.result as { structuredContent: Record<string, unknown> })
        .structuredContent;
    const byKey = await identity(await open(bearer(keys.session.key)));
    const byToken = await identity(await open(bearer(await jwt(name('session'), 'free'))));
    assert.equal(byKey.subject, byToken.subject);
    assert.equal(byKey.principal, `api-key:::${name('session')}`);
    assert.equal(byToken.principal, `jwt:${encodeURIComponent(ISSUER)}::${name('session')}`);
  });

  it('a JWT whose sub is a lone surrogate (\\ud800): 401 invalid_token, not a 500 "URI malformed"', async () => {
    for (const subject of ['\ud800', `a\udfffb`]) {
      const refused = await post(fleet.url, initializeRequest(), bearer(await jwt(subject, 'free')));
      assert.equal(refused.status, 401, refused.text);
      assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      assert.match((refused.json?.error as { message: string }).message, /not well-formed Unicode/);
    }
  });

  it('principals are encoded without throwing and without two callers sharing one: a lone surrogate is %uD800', () => {
    const principal = (subject: string) => principalOf('jwt', ISSUER, undefined, subject);
    assert.equal(principal('\ud800'), `jwt:${encodeURIComponent(ISSUER)}::%uD800`);
    assert.notEqual(principal('\ud800'), principal('%uD800'));
    assert.notEqual(principal('\ud800'), principal('\ufffd'));
    assert.equal(principal('\ud83d\ude00'), `jwt:${encodeURIComponent(ISSUER)}::%F0%9F%98%80`);
  });

  const spent = [
    { limit: 'rate limit', key: 'rated', role: 'rated' },
    { limit: 'quota', key: 'quota', role: 'counted' },
  ] as const;
  for (const { limit, key, role } of spent) {
    it(`the API key spending its ${limit} leaves the JWT user's own ${limit} whole`, async () => {
      const byKey = await open(bearer(keys[key].key));
      assert.equal((await call(byKey, 'lab_whoami')).status, 200);
      assert.equal((await call(byKey, 'lab_whoami')).status, 429);
      const byToken = await open(bearer(await jwt(name(key), role)));
      const first = await call(byToken, 'lab_whoami');
      assert.equal(first.status, 200, first.text);
    });
  }

  it("the API key's calls in flight do not count against the JWT user's concurrency limit", async () => {
    const gate = slow.reset();
    const byKey = await open(bearer(keys.busy.key));
    const held = call(byKey, 'lab_slow');
    try {
      await gate.entered.promise;
      assert.equal((await call(byKey, 'lab_whoami')).status, 429, 'the key itself is at its limit');
      const byToken = await open(bearer(await jwt(name('busy'), 'free')));
      const other = await call(byToken, 'lab_whoami');
      assert.equal(other.status, 200, other.text);
    } finally {
      gate.release.resolve();
    }
    assert.equal((await held).status, 200);
  });
});

describe("a provider's identity token names the caller's roles exactly", () => {
  it('one role "x,y" and two roles "x" and "y" of one principal get two tokens, each with its own roles', async () => {
    const minter = await IdentityMinter.create({});
    const caller = { subject: 's', principal: 'jwt:https://idp.test::s', tenant: undefined };
    const one = decodeJwt(await minter.token('everything', { ...caller, roles: ['x,y'] }));
    const two = decodeJwt(await minter.token('everything', { ...caller, roles: ['x', 'y'] }));
    assert.deepEqual(one.roles, ['x,y']);
    assert.deepEqual(two.roles, ['x', 'y']);
  });
});
