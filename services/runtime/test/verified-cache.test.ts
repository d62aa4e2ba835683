import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedCache } from '../src/index.js';

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

  it('forgets everything on clear (the keys changed)', () => {
    const cache = new VerifiedCache<string>();
    cache.set('token', 'alice');
    cache.clear();
    assert.equal(cache.get('token'), undefined);
  });
});
