import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, defineTool } from '@mcp-fleet/sdk';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { build } from '../src/app.js';
import { generateApiKey } from '../src/auth/api-keys.js';
import { auditLine } from './audit-lines.js';
import { type Fleet, gatewayConfig, MCP_HEADERS, post, silent, startFleet } from './support.js';

const whoami = defineTool({
  name: 'whoami',
  description: 'Returns what the provider knows about the caller.',
  inputSchema: { type: 'object' },
  handler: (_args, ctx) => ({ content: [], structuredContent: { ...ctx.identity } }),
});

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<{ key: Key; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { key: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const ISSUER = 'https://idp.test';
const AUDIENCE = 'mcp-fleet';

function token(
  signer: { key: Key; jwk: JWK },
  claims: Record<string, unknown> = {},
  options: { issuer?: string; audience?: string; exp?: number | string; nbf?: number } = {},
) {
  const jwt = new SignJWT({
    scope: 'mcp:tools',
    realm: { roles: ['caller'] },
    org: { id: 'acme' },
    ...claims,
  })
    .setProtectedHeader({ alg: signer.jwk.alg as string, kid: signer.jwk.kid as string })
    .setSubject('alice')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(signer.key);
}

const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'auth', version: '1' } },
};

describe('authentication', () => {
  let fleet: Fleet;
  let dir: string;
  let rs: { key: Key; jwk: JWK };
  let es: { key: Key; jwk: JWK };
  let jwksFile: string;
  const alice = generateApiKey('alice-ci');
  const bob = generateApiKey('bob');

  before(async () => {
    rs = await signingKey('RS256', 'rs-1');
    es = await signingKey('ES256', 'es-1');
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-auth-'));
    jwksFile = join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify({ keys: [rs.jwk] }));
    const authFile = join(dir, 'auth.yaml');
    const policyFile = join(dir, 'policy.yaml');
    await writeFile(
      authFile,
      `apiKeys:
  - { id: alice-ci, hash: "${alice.hash}", subject: alice-ci, tenant: acme, roles: [caller] }
  - { id: bob, hash: "${bob.hash}", subject: bob, roles: [caller] }
jwt:
  issuer: ${ISSUER}
  audience: ${AUDIENCE}
  jwksFile: ${jwksFile}
  algorithms: [RS256, ES256]
  clockSkew: 5s
  claims: { subject: sub, tenant: org.id, roles: realm.roles, scopes: scope }
  requiredScopes: [mcp:tools]
resource: https://gateway.test/mcp
`,
    );
    await writeFile(policyFile, 'roles:\n  caller:\n    tools: { allow: ["*"] }\n');
    fleet = await startFleet([{ name: 'lab', definitions: [whoami] }], {
      MCPFLEET_AUTH_FILE: authFile,
      MCPFLEET_POLICY_FILE: policyFile,
    });
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (headers: Record<string, string>) => post(fleet.url, INIT, headers);
  const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

  it('answers 401 with a WWW-Authenticate challenge pointing at the protected-resource metadata', async () => {
    const response = await call({});
    assert.equal(response.status, 401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    assert.match(
      challenge,
      /^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"/,
    );
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1] as string;
    const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>;
    assert.deepEqual(metadata, {
      resource: 'https://gateway.test/mcp',
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools'],
    });
  });

  it('accepts a configured API key (Authorization or X-API-Key) and refuses wrong or unknown ones', async () => {
    assert.equal((await call(bearer(alice.key))).status, 200);
    assert.equal((await call({ 'x-api-key': alice.key })).status, 200);
    const wrongSecret = alice.key.slice(0, -4) + (alice.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const bad of [
      wrongSecret,
      `${alice.key}x`,
      'mcpk_nobody.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'mcpk_alice-ci',
      bob.key.replace('bob', 'alice-ci'),
    ]) {
      const response = await call(bearer(bad));
      assert.equal(response.status, 401, bad);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
  });

  it('maps JWT claims (configurable paths) to subject, tenant and roles, and forwards none of the caller token', async () => {
    const jwt = await token(rs);
    const init = await call(bearer(jwt));
    assert.equal(init.status, 200);
    const session = init.headers.get('mcp-session-id') as string;
    const { json } = await post(
      fleet.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'lab_whoami', arguments: {} } },
      { ...bearer(jwt), 'mcp-session-id': session },
    );
    assert.deepEqual((json?.result as { structuredContent: unknown }).structuredContent, {
      subject: 'alice',
      principal: 'jwt:https%3A%2F%2Fidp.test:acme:alice',
      tenant: 'acme',
      roles: ['caller'],
      sessionId: session,
    });
    const file = join(fleet.dir, 'audit.log');
    await auditLine(file, (l) => l.target === 'lab_whoami' && l.audit === 'call');
    assert.ok(!(await readFile(file, 'utf8')).includes(jwt), 'the caller token never reaches the audit log');
  });

  const forged: [string, () => Promise<string>][] = [
    ['a token signed by an unknown key', async () => token(await signingKey('RS256', 'rs-1'))],
    [
      'alg none',
      async () => {
        const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const exp = Math.floor(Date.now() / 1000) + 300;
        return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'root', iss: ISSUER, aud: AUDIENCE, exp, scope: 'mcp:tools' })}.`;
      },
    ],
    [
      'HS256 keyed with the public JWK (key confusion)',
      async () =>
        new SignJWT({ scope: 'mcp:tools' })
          .setProtectedHeader({ alg: 'HS256', kid: 'rs-1' })
          .setSubject('root')
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(JSON.stringify(rs.jwk))),
    ],
    ['an expired token', async () => token(rs, {}, { exp: Math.floor(Date.now() / 1000) - 60 })],
    ['a token not valid yet', async () => token(rs, {}, { nbf: Math.floor(Date.now() / 1000) + 120 })],
    ['another audience', async () => token(rs, {}, { audience: 'someone-else' })],
    ['another issuer', async () => token(rs, {}, { issuer: 'https://evil.test' })],
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await token(rs)).split('.');
        return `${h}.${Buffer.from(JSON.stringify({ sub: 'root', iss: ISSUER, aud: AUDIENCE, exp: 9999999999, scope: 'mcp:tools' })).toString('base64url')}.${s}`;
      },
    ],
  ];
  for (const [what, make] of forged) {
    it(`refuses ${what} with 401 invalid_token`, async () => {
      const response = await call(bearer(await make()));
      assert.equal(response.status, 401, response.text);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });
  }

  it('a token accepted before its expiry is refused after it, though it verified once', async () => {
    const exp = Math.floor(Date.now() / 1000) + 1;
    const shortLived = await token(rs, {}, { exp });
    assert.equal((await call(bearer(shortLived))).status, 200);
    // Past `exp` and the configured clock skew (5 s).
    await sleep(exp * 1000 + 5_000 + 300 - Date.now());
    const response = await call(bearer(shortLived));
    assert.equal(response.status, 401, response.text);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('a token without the required scope gets 403 insufficient_scope', async () => {
    const response = await call(bearer(await token(rs, { scope: 'profile' })));
    assert.equal(response.status, 403);
    assert.match(
      response.headers.get('www-authenticate') ?? '',
      /error="insufficient_scope".*scope="mcp:tools"/,
    );
  });

  it('follows JWKS rotation: a key added to the JWKS file is accepted, a removed one refused', async () => {
    assert.equal((await call(bearer(await token(es)))).status, 401);
    // Verified before the rotation and remembered: the removal must still refuse it.
    const verifiedBefore = await token(rs);
    assert.equal((await call(bearer(verifiedBefore))).status, 200);
    await writeFile(jwksFile, JSON.stringify({ keys: [rs.jwk, es.jwk] }));
    await sleep(1_100);
    assert.equal((await call(bearer(await token(es)))).status, 200);
    await writeFile(jwksFile, JSON.stringify({ keys: [es.jwk] }));
    await sleep(1_100);
    assert.equal((await call(bearer(await token(rs)))).status, 401);
    assert.equal((await call(bearer(verifiedBefore))).status, 401);
  });

  it('a session is bound to the caller who opened it', async () => {
    const init = await call(bearer(alice.key));
    const session = init.headers.get('mcp-session-id') as string;
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
    assert.equal(
      (await post(fleet.url, ping, { ...bearer(alice.key), 'mcp-session-id': session })).status,
      200,
    );
    assert.equal(
      (await post(fleet.url, ping, { ...bearer(bob.key), 'mcp-session-id': session })).status,
      404,
    );
    const del = await fetch(fleet.url, {
      method: 'DELETE',
      headers: { ...MCP_HEADERS, ...bearer(bob.key), 'mcp-session-id': session },
    });
    assert.equal(del.status, 404, 'nobody else can end it either');
  });

  it('refuses to start without authentication on a non-loopback listener, and on HS algorithms with a JWKS', async () => {
    await assert.rejects(
      build({
        config: gatewayConfig({ MCPFLEET_GATEWAY_LISTEN: '0.0.0.0:0' }),
        providers: [],
        logger: silent,
      }),
      (err: unknown) => err instanceof ConfigError && /MCPFLEET_AUTH_FILE is required/.test(err.message),
    );
    const hs = join(dir, 'hs.yaml');
    await writeFile(hs, `jwt: { issuer: x, audience: y, jwksFile: ${jwksFile}, algorithms: [HS256] }\n`);
    await assert.rejects(
      build({ config: gatewayConfig({ MCPFLEET_AUTH_FILE: hs }), providers: [], logger: silent }),
      /HS\* cannot be used with a JWKS/,
    );
  });
});

describe('JWT bearer with a JWKS URL', () => {
  it('fetches the identity provider keys, and refetches when a token names a new kid (rotation)', async () => {
    const first = await signingKey('ES256', 'url-1');
    const second = await signingKey('ES256', 'url-2');
    let served: JWK[] = [first.jwk];
    let fetches = 0;
    const idp = createServer((request, response) => {
      fetches++;
      response.writeHead(request.url === '/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: served }));
    });
    idp.listen(0, '127.0.0.1');
    await once(idp, 'listening');
    const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-jwksurl-'));
    const { port } = idp.address() as { port: number };
    await writeFile(
      join(dir, 'auth.yaml'),
      `jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, jwksUrl: "http://127.0.0.1:${port}/jwks.json", algorithms: [ES256], jwksCooldown: 100ms, claims: { roles: realm.roles } }\n`,
    );
    await writeFile(join(dir, 'policy.yaml'), 'roles:\n  caller:\n    tools: { allow: ["*"] }\n');
    const fleet = await startFleet([{ name: 'lab', definitions: [whoami] }], {
      MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
      MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
    });
    try {
      const init = (jwt: string) => post(fleet.url, INIT, { authorization: `Bearer ${jwt}` });
      assert.equal((await init(await token(first))).status, 200);
      assert.equal((await init(await token(first))).status, 200);
      assert.equal(fetches, 1, 'the key set is cached');
      served = [first.jwk, second.jwk];
      await sleep(150);
      assert.equal(
        (await init(await token(second))).status,
        200,
        'an unknown kid makes the gateway fetch again',
      );
      assert.equal(fetches, 2);
    } finally {
      await fleet.close();
      idp.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
