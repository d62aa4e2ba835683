import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CACHE_META } from '@mcp-fleet/contract';
import { cacheRuleOf } from '../src/result-cache/cache-rule.js';
import { metricValue, type PinFleet, startPinFleet, type ToolAnswer } from './catalog-pin-support.js';
import { cacheDefinitions, cachedOf, runs, textOf } from './result-cache-support.js';
import { openSession, post, startWaitingCall } from './support.js';

const isHit = (answer: ToolAnswer) => cachedOf(answer) !== undefined;

/** Callers trying to read what was cached for another, or to make two different calls share a key. */
describe('result cache: attacks', () => {
  let pins: PinFleet;

  before(async () => {
    pins = await startPinFleet([{ name: 'lab', definitions: cacheDefinitions() }], {
      MCPFLEET_RESULT_CACHE_ENTRIES: '8',
    });
  });
  after(() => pins.close());

  it("the same subject in another tenant does not read alice's cached result", async () => {
    const alice = await pins.as('alice');
    const mallory = await pins.as('mallory');
    await alice.call('lab_lookup', { q: 'tenant' });
    assert.ok(isHit(await alice.call('lab_lookup', { q: 'tenant' })));
    const stolen = await mallory.call('lab_lookup', { q: 'tenant' });
    assert.ok(!isHit(stolen));
    assert.match(textOf(stolen) ?? '', /evil/);
  });

  it('a result computed for one role set is not served to the same principal with other roles (a role revoked)', async () => {
    const withPayroll = await pins.as('alicePayroll');
    assert.match(textOf(await withPayroll.call('lab_lookup', { q: 'salaries' })) ?? '', /payroll/);
    assert.ok(isHit(await withPayroll.call('lab_lookup', { q: 'salaries' })));
    const revoked = await (await pins.as('alice')).call('lab_lookup', { q: 'salaries' });
    assert.ok(!isHit(revoked), 'the payroll-role result served to alice without the role');
    assert.doesNotMatch(textOf(revoked) ?? '', /payroll/);
  });

  it('a result computed for one protocol version or set of client capabilities is not served to another', async () => {
    const callIn = async (capabilities: Record<string, unknown>, protocolVersion: string) => {
      const headers = await openSession(
        pins.fleet.url,
        { 'x-api-key': pins.keys.alice },
        capabilities,
        protocolVersion,
      );
      const body = {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'lab_lookup', arguments: { q: 'caps' } },
      };
      return (await post(pins.fleet.url, body, headers)).json as ToolAnswer;
    };
    assert.ok(!isHit(await callIn({}, '2025-11-25')));
    assert.ok(isHit(await callIn({}, '2025-11-25')));
    assert.ok(!isHit(await callIn({ elicitation: {} }, '2025-11-25')), 'other client capabilities');
    assert.ok(!isHit(await callIn({}, '2025-06-18')), 'another protocol version');
  });

  it('a caller whose policy denies the tool gets no cached answer', async () => {
    const alice = await pins.as('alice');
    await alice.call('lab_weather', { city: 'policy' });
    const nobody = await pins.as('nobody');
    const answer = await nobody.call('lab_weather', { city: 'policy' });
    assert.equal(answer.error?.code, -32011);
    assert.equal(answer.result, undefined);
  });

  it('argument key order makes no second entry; swapped values do not share one', async () => {
    const alice = await pins.as('alice');
    await alice.callRaw('{"a":1,"b":2}', 'lab_lookup');
    assert.ok(isHit(await alice.callRaw('{"b":2,"a":1}', 'lab_lookup')));
    assert.ok(!isHit(await alice.callRaw('{"a":2,"b":1}', 'lab_lookup')));
    assert.ok(!isHit(await alice.callRaw('{"a":"1","b":2}', 'lab_lookup')), 'a string is not a number');
    assert.ok(!isHit(await alice.callRaw('{"a":[1],"b":2}', 'lab_lookup')));
  });

  it('texts a provider can tell apart never share an entry: NFC/NFD, a lone surrogate, U+FFFD', async () => {
    const alice = await pins.as('alice');
    const forms = ['"caf\\u00e9"', '"cafe\\u0301"', '"\\ud800"', '"\\ufffd"', '"cafe"'];
    const answers: string[] = [];
    for (const form of forms) {
      const answer = await alice.callRaw(`{"name":${form}}`, 'lab_lookup');
      assert.ok(!isHit(answer), `first call of ${form}`);
      answers.push(textOf(answer) ?? '');
    }
    assert.equal(new Set(answers).size, forms.length);
  });

  it('a __proto__ argument neither collides with {} nor pollutes anything', async () => {
    const alice = await pins.as('alice');
    const before = runs.lookup;
    await alice.callRaw('{"__proto__":{"q":"x"}}', 'lab_lookup');
    assert.ok(!isHit(await alice.callRaw('{}', 'lab_lookup')));
    assert.ok(!isHit(await alice.callRaw('{"q":"x"}', 'lab_lookup')));
    assert.equal(runs.lookup, before + 3);
    assert.equal(({} as Record<string, unknown>).q, undefined);
  });

  it('a call that asked the user is not kept: the answer is not part of the key', async () => {
    const url = pins.fleet.url;
    const headers = await openSession(url, { 'x-api-key': pins.keys.alice }, { elicitation: {} });
    const texts: string[] = [];
    for (const choice of ['left', 'right']) {
      const waiting = await startWaitingCall(url, headers, 'lab_ask', {});
      await post(
        url,
        { jsonrpc: '2.0', id: waiting.request.id, result: { action: 'accept', content: { choice } } },
        headers,
      );
      await waiting.ended;
      const last = waiting.messages.at(-1) as ToolAnswer;
      assert.equal(cachedOf(last), undefined);
      texts.push(textOf(last) ?? '');
    }
    assert.match(texts[0] ?? '', /left/);
    assert.match(texts[1] ?? '', /right/);
  });

  it('a flood of distinct arguments cannot grow the cache past its bound', async () => {
    const alice = await pins.as('alice');
    for (let i = 0; i < 40; i++) await alice.call('lab_lookup', { flood: i });
    const entries = metricValue(await pins.metrics(), 'mcpfleet_result_cache_entries');
    assert.ok(entries <= 8 && entries > 0, `entries ${entries}`);
    assert.ok(!isHit(await alice.call('lab_lookup', { flood: 0 })), 'the oldest entry was evicted');
  });

  it('a cache declared on a tool that is not both read-only and idempotent is ignored by the gateway', () => {
    const declared = { _meta: { [CACHE_META]: { ttlMs: 1000 } } };
    assert.equal(cacheRuleOf({ ...declared, annotations: { readOnlyHint: true } }, 'r'), undefined);
    assert.equal(cacheRuleOf({ ...declared, annotations: { idempotentHint: true } }, 'r'), undefined);
    assert.equal(
      cacheRuleOf({ ...declared, annotations: { readOnlyHint: 'true', idempotentHint: true } }, 'r'),
      undefined,
    );
    const both = { readOnlyHint: true, idempotentHint: true };
    for (const bad of [
      { ttlMs: 0 },
      { ttlMs: 1.5 },
      { ttlMs: '1000' },
      { ttlMs: 1, public: 'yes' },
      { ttlMs: 1, invalidatedBy: [''] },
    ])
      assert.equal(
        cacheRuleOf({ annotations: both, _meta: { [CACHE_META]: bad } }, 'r'),
        undefined,
        JSON.stringify(bad),
      );
    assert.deepEqual(cacheRuleOf({ ...declared, annotations: both }, 'r'), {
      ttlMs: 1000,
      public: false,
      invalidatedBy: [],
      revision: 'r',
    });
  });
});
