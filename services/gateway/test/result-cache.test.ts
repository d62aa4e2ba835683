import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineTool } from '@mcp-fleet/sdk';
import { eventually, metricValue, type PinFleet, startPinFleet } from './catalog-pin-support.js';
import { BOARD, cacheDefinitions, cachedOf, runs, textOf } from './result-cache-support.js';

describe('cached results of read-only tools', () => {
  let pins: PinFleet;

  before(async () => {
    // Pinning is not what these tests watch: the catalog changes they make are served at once.
    pins = await startPinFleet([{ name: 'lab', definitions: cacheDefinitions() }], {
      MCPFLEET_PINNING: 'off',
    });
  });
  after(() => pins.close());

  it('a repeated identical call is answered from the cache, marked in _meta; other arguments miss', async () => {
    const alice = await pins.as('alice');
    const first = await alice.call('lab_lookup', { q: 'hit' });
    const second = await alice.call('lab_lookup', { q: 'hit' });
    assert.equal(cachedOf(first), undefined);
    assert.ok(cachedOf(second), 'marked as cached');
    assert.equal(textOf(second), textOf(first));
    const other = await alice.call('lab_lookup', { q: 'miss' });
    assert.notEqual(textOf(other), textOf(first));
    assert.equal(cachedOf(other), undefined);
    const metrics = await pins.metrics();
    assert.equal(
      metricValue(
        metrics,
        'mcpfleet_result_cache_lookups_total{provider="lab",tool="lab_lookup",outcome="hit"}',
      ),
      1,
    );
    assert.equal(
      metricValue(
        metrics,
        'mcpfleet_result_cache_lookups_total{provider="lab",tool="lab_lookup",outcome="miss"}',
      ),
      2,
    );
  });

  it('two callers never share a result; a public one is shared', async () => {
    const [alice, bob] = [await pins.as('alice'), await pins.as('bob')];
    const mine = await alice.call('lab_lookup', { q: 'scope' });
    const theirs = await bob.call('lab_lookup', { q: 'scope' });
    assert.match(textOf(mine) ?? '', /alice/);
    assert.match(textOf(theirs) ?? '', /bob/);
    assert.equal(cachedOf(theirs), undefined);
    const before = runs.weather;
    const sunny = await alice.call('lab_weather');
    const shared = await bob.call('lab_weather');
    assert.equal(textOf(shared), textOf(sunny));
    assert.ok(cachedOf(shared));
    assert.equal(runs.weather, before + 1);
  });

  it('a tool that declares no cache is never cached', async () => {
    const alice = await pins.as('alice');
    const before = runs.plain;
    await alice.call('lab_plain');
    const again = await alice.call('lab_plain');
    assert.equal(runs.plain, before + 2);
    assert.equal(cachedOf(again), undefined);
  });

  it('errors and isError results are not cached', async () => {
    const alice = await pins.as('alice');
    const before = runs.flaky;
    for (const fail of ['result', 'rpc']) {
      const one = await alice.call('lab_flaky', { fail });
      const two = await alice.call('lab_flaky', { fail });
      if (fail === 'result') assert.equal(two.result?.isError, true);
      else assert.equal(two.error?.code, -32003, JSON.stringify(one));
    }
    assert.equal(runs.flaky, before + 4);
  });

  it('a resources/updated event the tool names drops its cached results', async () => {
    const alice = await pins.as('alice');
    await alice.call('lab_lookup', { q: 'board' });
    assert.ok(cachedOf(await alice.call('lab_lookup', { q: 'board' })));
    const before = runs.lookup;
    pins.fleet.providers.get('lab')?.resourceUpdated(BOARD);
    await eventually(async () => {
      const answer = await alice.call('lab_lookup', { q: 'board' });
      return cachedOf(answer) === undefined;
    }, 'the cached result dropped');
    assert.equal(runs.lookup, before + 1);
  });

  it("a new catalog revision of the provider leaves its tools' cached results behind", async () => {
    const alice = await pins.as('alice');
    await alice.call('lab_weather', { day: 'revision' });
    assert.ok(cachedOf(await alice.call('lab_weather', { day: 'revision' })));
    const extra = defineTool({
      name: 'extra',
      description: 'x',
      inputSchema: { type: 'object' },
      handler: () => 'x',
    });
    pins.fleet.providers.get('lab')?.setDefinitions([...cacheDefinitions(), extra]);
    const names = async () => (await (await pins.as('alice')).names()).includes('lab_extra');
    await eventually(names, 'the new revision served');
    assert.equal(cachedOf(await alice.call('lab_weather', { day: 'revision' })), undefined);
  });
});
