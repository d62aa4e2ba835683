import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineTool } from '@mcp-fleet/sdk';
import { metricValue, type PinFleet, startPinFleet } from './catalog-pin-support.js';
import { heapGrowth } from './heap.js';

/** A result whose `_meta` is a long array of empty objects: 3 bytes of text each, far more parsed. */
const blobTool = (name: string, cache: { ttlMs: number }) =>
  defineTool({
    name,
    description: 'a read-only tool whose result _meta is a long array of empty objects',
    inputSchema: { type: 'object' },
    annotations: { readOnlyHint: true, idempotentHint: true },
    cache,
    handler: () => ({
      content: [{ type: 'text', text: 'ok' }],
      _meta: { pad: Array.from({ length: 300_000 }, () => ({})) },
    }),
  });

/** A provider making the cache hold far more memory than its byte bound counts. */
describe('result cache: memory attacks', () => {
  let pins: PinFleet;

  before(async () => {
    pins = await startPinFleet([{ name: 'lab', definitions: [blobTool('blob', { ttlMs: 60_000 })] }], {
      MCPFLEET_RESULT_CACHE_BYTES: String(32 * 1024 * 1024),
    });
  });
  after(() => pins.close());

  it('the byte bound counts what an entry holds: a result of many small objects costs its text, not its parse', async () => {
    const alice = await pins.as('alice');
    await alice.call('lab_blob', { warm: true });
    const counted = metricValue(await pins.metrics(), 'mcpfleet_result_cache_bytes');
    const grown = await heapGrowth(async () => {
      for (let i = 0; i < 16; i++) await alice.call('lab_blob', { i });
    });
    const added = metricValue(await pins.metrics(), 'mcpfleet_result_cache_bytes') - counted;
    assert.ok(added > 16 * 800_000, `counted ${added} B for 16 results`);
    // Parsed, these results held over 20 times their text; the slack is what the calls leave elsewhere.
    assert.ok(grown < 3 * added, `the cache counted ${added} B, the heap grew ${grown} B`);
  });
});
