import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resultOf, runCall, toolCall } from '@mcp-fleet/sdk/testing';
import { ANSWER_WITHIN_MS, type RunningProvider, startProviderProcess, text } from './process.js';
import { createTestDatabase, type TestDatabase } from './support.js';

/**
 * About 100,000 characters (the per-statement limit) of the shape the parser and the static
 * checks find slowest: hundreds of milliseconds of CPU each.
 */
function heavyStatement(chars = 100_000): string {
  const terms: string[] = [];
  for (let i = 0, length = 20; length < chars - 20; i++) {
    terms.push(`${i} = ${i}`);
    length += String(i).length * 2 + 8;
  }
  return `SELECT 1 WHERE ${terms.join(' AND ')}`;
}

describe('postgres provider: analysing caller SQL never holds the event loop', () => {
  let db: TestDatabase;
  let provider: RunningProvider;

  before(async () => {
    db = await createTestDatabase('CREATE TABLE t (id int); INSERT INTO t VALUES (1);');
    provider = await startProviderProcess({ DATABASE_URL: db.url('reader') });
  });
  after(async () => {
    await provider.stop();
    await db.drop();
  });

  it('three hundred 100 KB statements at once do not keep an ordinary query from answering', async () => {
    const sql = heavyStatement();
    assert.ok(sql.length <= 100_000 && sql.length > 99_000);
    // A tenth of a second or more of parsing and checking each: most of a minute on the event
    // loop before the fix.
    const heavy = Array.from({ length: 300 }, () =>
      provider.call('query', { sql }, 60_000).catch((err: Error) => err),
    );
    const ordinary = await provider.call('query', { sql: 'SELECT id FROM t' });
    assert.deepEqual(ordinary.structuredContent?.rows, [{ id: 1 }]);
    await Promise.all(heavy);
  });

  it('sixteen recommend_indexes calls of 20 × 100 KB statements are refused before parsing; an ordinary query answers', async () => {
    const queries = Array.from({ length: 20 }, () => heavyStatement());
    // Two seconds and more of parsing each on the event loop before the fix.
    const heavy = Array.from({ length: 16 }, () => provider.call('recommend_indexes', { queries }, 120_000));
    const ordinary = await provider.call('query', { sql: 'SELECT id FROM t' });
    assert.deepEqual(ordinary.structuredContent?.rows, [{ id: 1 }]);
    for (const refused of await Promise.all(heavy)) {
      assert.equal(refused.isError, true);
      assert.match(text(refused), /the SQL of one call is limited to 200000 characters/);
    }
  });

  it('recommend_indexes refuses a 4 MB statement before parsing it', async () => {
    const outcome = await runCall(
      provider.client,
      toolCall('recommend_indexes', { queries: [heavyStatement(4_000_000)] }),
      { deadlineMs: ANSWER_WITHIN_MS },
    );
    const refused = resultOf(outcome);
    assert.equal(refused.isError, true);
    assert.match(JSON.stringify(refused.content), /more than 100000 characters/);
  });

  it('a transaction of many large statements is refused whole before any is parsed', async () => {
    const sql = heavyStatement(50_000).replace('SELECT 1 WHERE', 'DELETE FROM t WHERE');
    const writer = await startProviderProcess({
      DATABASE_URL: db.url('writer'),
      MCPFLEET_PG_MODE: 'read-write',
    });
    try {
      const refused = await writer.call('transaction', {
        statements: Array.from({ length: 40 }, () => ({ sql })),
      });
      assert.equal(refused.isError, true);
      assert.match(text(refused), /the SQL of one call is limited to 200000 characters/);
      const ordinary = await writer.call('query', { sql: 'SELECT id FROM t' });
      assert.deepEqual(ordinary.structuredContent?.rows, [{ id: 1 }]);
    } finally {
      await writer.stop();
    }
  });
});
