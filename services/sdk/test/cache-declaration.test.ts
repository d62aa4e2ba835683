import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CACHE_META } from '@mcp-fleet/contract';
import { buildCatalog } from '../src/catalog.js';
import { DefinitionError, defineTool } from '../src/index.js';

const identity = { name: 'p', version: '1' };
const base = {
  name: 'lookup',
  description: 'looks up',
  inputSchema: { type: 'object' },
  handler: () => 'x',
};
const BOTH = { readOnlyHint: true, idempotentHint: true };

describe('tool cache declarations', () => {
  it('travel in the definition under _meta["io.mcp-fleet/cache"]', () => {
    const catalog = buildCatalog(identity, [
      defineTool({
        ...base,
        annotations: BOTH,
        cache: { ttlMs: 5000, public: true, invalidatedBy: ['a://b'] },
      }),
    ]);
    const definition = JSON.parse(String(catalog.describe.tools?.[0]?.definitionJson));
    assert.deepEqual(definition._meta, {
      [CACHE_META]: { ttlMs: 5000, public: true, invalidatedBy: ['a://b'] },
    });
    const plain = buildCatalog(identity, [defineTool({ ...base, annotations: BOTH })]);
    assert.equal(JSON.parse(String(plain.describe.tools?.[0]?.definitionJson))._meta, undefined);
  });

  it('are refused on a tool not both read-only and idempotent, and with a TTL that is no positive integer', () => {
    for (const annotations of [undefined, { readOnlyHint: true }, { idempotentHint: true }])
      assert.throws(
        () => buildCatalog(identity, [defineTool({ ...base, annotations, cache: { ttlMs: 1000 } })]),
        /cache needs annotations readOnlyHint and idempotentHint/,
      );
    for (const ttlMs of [0, -1, 1.5, Number.NaN])
      assert.throws(
        () => buildCatalog(identity, [defineTool({ ...base, annotations: BOTH, cache: { ttlMs } })]),
        DefinitionError,
      );
    assert.throws(
      () =>
        buildCatalog(identity, [
          defineTool({ ...base, annotations: BOTH, cache: { ttlMs: 1, invalidatedBy: [''] } }),
        ]),
      /invalidatedBy/,
    );
  });
});
