import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCanonicalJws, VerifiedCache } from '../src/index.js';

describe('VerifiedCache', () => {
  it('answers a verified credential until it expires, and nothing else', () => {
    const cache = new VerifiedCache<string>();
    cache.set('token-a', 'alice', 2_000, 1_000);
    assert.equal(cache.get('token-a', 1_999), 'alice');
    assert.equal(cache.get('token-a', 2_000), undefined, 'expired at its expiry');
    assert.equal(cache.get('token-b', 1_500), undefined);
    assert.equal(cache.get('token-', 1_500), undefined, 'a prefix is another credential');
  });

  it('holds an entry no longer than its maximum age, whatever the credential says', () => {
    const cache = new VerifiedCache<string>(10, 500);
    cache.set('token', 'alice', 1_000_000, 1_000);
    assert.equal(cache.get('token', 1_499), 'alice');
    assert.equal(cache.get('token', 1_500), undefined);
  });

  it('forgets everything when full, so distinct credentials never grow it past its bound', () => {
    const cache = new VerifiedCache<number>(3);
    for (let i = 0; i < 3; i++) cache.set(`t${i}`, i);
    cache.set('t1', 10);
    assert.equal(cache.get('t0'), 0, 'a refresh of a held credential is not a new one');
    cache.set('t3', 3);
    assert.deepEqual(
      ['t0', 't1', 't2', 't3'].map((t) => cache.get(t)),
      [undefined, undefined, undefined, 3],
    );
  });

  it('forgets everything on clear (the keys changed), and what a verification begun before it found', () => {
    const cache = new VerifiedCache<string>();
    cache.set('token', 'alice');
    const before = cache.begin();
    cache.clear();
    assert.equal(cache.get('token'), undefined);
    before('old-key-token', 'mallory');
    assert.equal(cache.get('old-key-token'), undefined, 'verified with keys that may be gone');
    const after = cache.begin();
    after('new-key-token', 'alice');
    assert.equal(cache.get('new-key-token'), 'alice');
  });
});

describe('VerifiedCache with an admission rule', () => {
  it('remembers only the texts it admits', () => {
    const cache = new VerifiedCache<string>(10, undefined, (credential) => !credential.includes(' '));
    cache.set('token', 'alice');
    cache.set('tok en', 'alice');
    cache.begin()('to ken', 'alice');
    assert.deepEqual(
      ['token', 'tok en', 'to ken'].map((t) => cache.get(t)),
      ['alice', undefined, undefined],
    );
  });
});

describe('isCanonicalJws', () => {
  // Base64url of 256 bytes (an RS256 signature) ends in a character with four unused low bits.
  const signature = Buffer.alloc(256, 0xa5).toString('base64url');
  const token = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.${signature}`;
  const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = signature.at(-1) as string;
  const stray = base64url[base64url.indexOf(last) + 1] as string;

  it('admits a compact JWS in its one spelling', () => {
    assert.equal(isCanonicalJws(token), true);
  });

  it('refuses respellings the decoder would forgive, and what is not a compact JWS', () => {
    assert.equal(
      Buffer.from(`${signature.slice(0, -1)}${stray}`, 'base64url').equals(Buffer.alloc(256, 0xa5)),
      true,
    );
    for (const respelled of [
      `${token}==`,
      `${token.slice(0, 60)} ${token.slice(60)}`,
      `${token.slice(0, -1)}${stray}`,
      `${token}.x`,
      token.slice(0, token.lastIndexOf('.')),
      `${token.slice(0, 40)}${'A'.repeat(9_000)}${token.slice(40)}`,
    ])
      assert.equal(isCanonicalJws(respelled), false, respelled.slice(-20));
  });
});
