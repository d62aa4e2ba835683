import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode, FleetError } from '@mcp-fleet/contract';
import { ConfigError } from '@mcp-fleet/runtime';
import { RequestStateCodec } from '../src/input-required/request-state.js';
import { requestStateKey } from '../src/input-required/state-key.js';
import { silent, writeSigningKey } from './support.js';

const round = { call: 'c1', replica: 'r1', round: 1, expires: 10_000 };
const request = {
  principal: 'api-key:::alice',
  method: 'tools/call',
  params: { name: 'x', arguments: { a: 1, b: [1, 2] } },
};

/** The `data.reason` of the -32602 a check throws. */
function reasonOf(check: () => unknown): unknown {
  try {
    check();
  } catch (err) {
    assert.ok(err instanceof FleetError);
    assert.equal(err.code, ErrorCode.InvalidParams);
    return (err.data as { reason: string }).reason;
  }
  assert.fail('the state was accepted');
}

describe('requestState: signed, bound to caller, request and expiry', () => {
  const codec = new RequestStateCodec(randomBytes(32));
  const state = codec.sign(round, request);

  it('round-trips for the same caller and request, whatever the order of keys or the MRTR fields', () => {
    const retry = {
      ...request,
      params: {
        arguments: { b: [1, 2], a: 1 },
        name: 'x',
        inputResponses: { k: {} },
        requestState: state,
        _meta: { progressToken: 1 },
      },
    };
    assert.deepEqual(codec.verify(state, retry, 5_000), round);
  });

  it('names why it refuses: malformed, signature, expired, principal, request', () => {
    const [head, payload, mac] = state.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const altered = Buffer.from(JSON.stringify({ ...claims, e: 99_999 })).toString('base64url');
    assert.equal(
      reasonOf(() => codec.verify('nope', request, 5_000)),
      'malformed',
    );
    assert.equal(
      reasonOf(() => codec.verify(`${head}.${altered}.${mac}`, request, 5_000)),
      'signature',
    );
    assert.equal(
      reasonOf(() => new RequestStateCodec(randomBytes(32)).verify(state, request, 5_000)),
      'signature',
    );
    assert.equal(
      reasonOf(() => codec.verify(state, request, 10_000)),
      'expired',
    );
    assert.equal(
      reasonOf(() => codec.verify(state, { ...request, principal: 'api-key:::bob' }, 5_000)),
      'principal',
    );
    assert.equal(
      reasonOf(() => codec.verify(state, { ...request, method: 'prompts/get' }, 5_000)),
      'request',
    );
    assert.equal(
      reasonOf(() => codec.verify(state, { ...request, params: { name: 'x', arguments: { a: 2 } } }, 5_000)),
      'request',
    );
  });

  it('replicas derive one key from the identity key they share; a configured key must be long enough', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-state-key-'));
    try {
      const identityKey = join(dir, 'identity.json');
      await writeSigningKey(identityKey);
      const [a, b] = await Promise.all([
        requestStateKey({ identityKey }, silent),
        requestStateKey({ identityKey }, silent),
      ]);
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, await requestStateKey({}, silent));
      const short = join(dir, 'short');
      await writeFile(short, 'too short');
      await assert.rejects(requestStateKey({ requestStateKey: short, identityKey }, silent), ConfigError);
      const configured = join(dir, 'configured');
      await writeFile(configured, 'x'.repeat(40));
      assert.deepEqual(
        await requestStateKey({ requestStateKey: configured }, silent),
        Buffer.from('x'.repeat(40)),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
