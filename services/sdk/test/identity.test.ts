import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { createIdentityVerifier, defineTool } from '../src/index.js';
import { resultOf, runCall, startProvider, type TestProvider, toolCall } from '../src/testing.js';
import { muxEnd, muxResult, RawMux } from './mux-support.js';

const whoami = defineTool({
  name: 'whoami',
  description: 'Returns the caller identity.',
  inputSchema: { type: 'object' },
  handler: (_args, ctx) => ({ content: [], structuredContent: { ...ctx.identity } }),
});

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

async function keyPair(kid: string): Promise<{ privateKey: Key; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

function mint(
  key: Key,
  kid: string,
  claims: Record<string, unknown> = {},
  opts: { audience?: string; issuer?: string; exp?: string | number } = {},
) {
  return new SignJWT({
    principal: 'jwt:https%3A%2F%2Fidp.test:acme:user-42',
    roles: ['reader'],
    tenant: 'acme',
    sid: 'sess-1',
    ...claims,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setSubject('user-42')
    .setIssuer(opts.issuer ?? 'mcp-fleet-gateway')
    .setAudience(opts.audience ?? 'test')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '60s')
    .sign(key);
}

function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

describe('internal identity', () => {
  let dir: string;
  let jwksFile: string;
  let provider: TestProvider;
  let current: { privateKey: Key; jwk: JWK };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-identity-'));
    jwksFile = join(dir, 'jwks.json');
    current = await keyPair('k1');
    await writeFile(jwksFile, JSON.stringify({ keys: [current.jwk] }));
    provider = await startProvider([whoami], {
      identify: createIdentityVerifier({
        jwksFile,
        audience: 'test',
        issuer: 'mcp-fleet-gateway',
        insecure: false,
      }),
    });
  });
  after(async () => {
    await provider.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (metadata: grpc.Metadata) => runCall(provider.client, toolCall('whoami'), { metadata });

  it('hands the handler the identity from a valid token', async () => {
    const outcome = await call(bearer(await mint(current.privateKey, 'k1')));
    assert.deepEqual(resultOf(outcome).structuredContent, {
      subject: 'user-42',
      principal: 'jwt:https%3A%2F%2Fidp.test:acme:user-42',
      roles: ['reader'],
      tenant: 'acme',
      sessionId: 'sess-1',
    });
  });

  const refusals: [string, () => Promise<grpc.Metadata>, RegExp][] = [
    ['no token', async () => new grpc.Metadata(), /missing internal identity token/],
    ['a malformed header', async () => bearer('not a jwt'), /missing internal identity token|invalid/],
    [
      'an expired token',
      async () =>
        bearer(await mint(current.privateKey, 'k1', {}, { exp: Math.floor(Date.now() / 1000) - 60 })),
      /"exp"/,
    ],
    [
      'another audience',
      async () => bearer(await mint(current.privateKey, 'k1', {}, { audience: 'postgres' })),
      /"aud"/,
    ],
    [
      'another issuer',
      async () => bearer(await mint(current.privateKey, 'k1', {}, { issuer: 'evil' })),
      /"iss"/,
    ],
    [
      'a token without a principal (the caller could only be told apart by subject)',
      async () => bearer(await mint(current.privateKey, 'k1', { principal: undefined })),
      /"principal" claim/,
    ],
    [
      'a token whose principal is not a non-empty string',
      async () => bearer(await mint(current.privateKey, 'k1', { principal: '' })),
      /"principal" claim/,
    ],
    [
      'a key the provider does not know',
      async () => bearer(await mint((await keyPair('k1')).privateKey, 'k1')),
      /signature/,
    ],
    [
      'alg none',
      async () => {
        const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const exp = Math.floor(Date.now() / 1000) + 60;
        return bearer(
          `${b64({ alg: 'none' })}.${b64({ sub: 'root', aud: 'test', iss: 'mcp-fleet-gateway', exp })}.`,
        );
      },
      /invalid internal identity token/,
    ],
    [
      'HS256 signed with the public key (key confusion)',
      async () => {
        const secret = new TextEncoder().encode(JSON.stringify(current.jwk));
        const token = await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setSubject('root')
          .setAudience('test')
          .setIssuer('mcp-fleet-gateway')
          .setExpirationTime('60s')
          .sign(secret);
        return bearer(token);
      },
      /invalid internal identity token/,
    ],
  ];
  for (const [what, metadata, details] of refusals) {
    it(`refuses ${what} with UNAUTHENTICATED, without running the tool`, async () => {
      const outcome = await call(await metadata());
      assert.equal(outcome.status.code, grpc.status.UNAUTHENTICATED, outcome.status.details);
      assert.match(outcome.status.details, details);
      assert.equal(outcome.frames.length, 0);
    });
  }

  // The same checks per call on a Calls stream: the bad token fails its own call, never its neighbour.
  for (const [what, metadata, details] of refusals) {
    it(`on a Calls stream, refuses ${what} for that call only`, async () => {
      const header = (await metadata()).get('authorization')[0];
      const token = typeof header === 'string' ? header.replace(/^Bearer /, '') : '';
      const mux = new RawMux(provider.client);
      const [refused, valid] = await Promise.all([
        mux.start(1, toolCall('whoami'), { token }),
        mux.start(2, toolCall('whoami'), { token: await mint(current.privateKey, 'k1') }),
      ]);
      const end = muxEnd(refused);
      assert.equal(end.code, grpc.status.UNAUTHENTICATED, end.details);
      assert.match(end.details, details);
      assert.equal(refused.frames.length, 1);
      assert.equal((muxResult(valid).structuredContent as { subject: string }).subject, 'user-42');
      mux.end();
    });
  }

  it('follows key rotation: a new key in the JWKS file is accepted, a removed one refused', async () => {
    const next = await keyPair('k2');
    const old = current;
    await writeFile(jwksFile, JSON.stringify({ keys: [old.jwk, next.jwk] }));
    // The provider looks at the JWKS file at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await call(bearer(await mint(next.privateKey, 'k2')))).status.code, grpc.status.OK);
    await writeFile(jwksFile, JSON.stringify({ keys: [next.jwk] }));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal(
      (await call(bearer(await mint(old.privateKey, 'k1')))).status.code,
      grpc.status.UNAUTHENTICATED,
    );
    current = next;
  });

  it('without keys, refuses every call unless explicitly insecure', async () => {
    const closed = createIdentityVerifier({ audience: 'test', issuer: 'x', insecure: false });
    await assert.rejects(closed(new grpc.Metadata()), /no identity keys configured/);
    const open = createIdentityVerifier({ audience: 'test', issuer: 'x', insecure: true });
    assert.deepEqual(await open(new grpc.Metadata()), {
      subject: 'anonymous',
      principal: 'none:::anonymous',
      roles: [],
    });
  });
});
