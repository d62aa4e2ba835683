import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startProvider, type TestProvider } from '@mcp-fleet/sdk/testing';
import type { PgProvider } from '../src/context.js';
import { postgresTools } from '../src/provider.js';
import { fetchSize } from '../src/rows.js';
import { loadParser } from '../src/sql-guard.js';
import { callTool, createTestDatabase, provider, type TestDatabase } from './support.js';

const MAX_BYTES = 65_536;

describe('postgres provider: everything the server sends back is bounded (least-privilege role)', () => {
  let db: TestDatabase;
  let pg: PgProvider;
  let server: TestProvider;

  before(async () => {
    await loadParser();
    db = await createTestDatabase('CREATE TABLE t (id int, name text); INSERT INTO t VALUES (1, $$a$$);');
    pg = provider(db.url('reader'), {
      poolSize: 1,
      limits: { timeoutMs: 20_000, maxRows: 100, maxBytes: MAX_BYTES },
    });
    server = await startProvider(postgresTools(pg));
  });
  after(async () => {
    await server.close();
    await pg.db.close();
    await db.drop();
  });

  const call = (tool: string, args: Record<string, unknown>) => callTool(server, tool, args);
  const alive = async () =>
    assert.deepEqual((await call('query', { sql: 'SELECT 1 AS alive' })).structuredContent?.rows, [
      { alive: 1 },
    ]);

  it('a 540 MB error message (too long for a JS string) answers an error and the provider keeps serving', async () => {
    const answer = await call('query', { sql: `SELECT repeat('x', 540000000)::int` });
    assert.equal(answer.isError, true);
    assert.match(answer.content[0]?.text ?? '', /message of 540000\d+ bytes.*over the \d+-byte limit/);
    await alive();
  });

  it('a 50 MB EXPLAIN row is refused at its header, never received whole', async () => {
    const answer = await call('query', { sql: `EXPLAIN VERBOSE SELECT repeat('x', 50000000)` });
    assert.equal(answer.isError, true);
    assert.match(answer.content[0]?.text ?? '', /message of 500000\d+ bytes.*over the \d+-byte limit/);
    await alive();
  });

  it('an error message under the wire limit comes back truncated', async () => {
    const answer = await call('query', { sql: `SELECT repeat('x', 500000)::int` });
    assert.equal(answer.isError, true);
    const text = answer.content[0]?.text ?? '';
    assert.match(text, /PostgreSQL error 22P02: invalid input syntax for type integer: "x+… \(truncated/);
    assert.ok(text.length < 2_000, `${text.length} characters`);
  });

  it('the explain tool and recommend_indexes refuse plans over the byte cap', async () => {
    const sql = `SELECT * FROM t WHERE name = repeat('x', 500000)`;
    const plan = await call('explain', { sql });
    assert.equal(plan.isError, true);
    assert.match(plan.content[0]?.text ?? '', /refused: the plan is over the 65536-byte cap/);
    const advice = await call('recommend_indexes', { queries: [sql] });
    assert.equal(advice.isError, true);
    assert.match(advice.content[0]?.text ?? '', /refused: the plan is over the 65536-byte cap/);
    const small = await call('explain', { sql: 'SELECT * FROM t WHERE id = 1' });
    assert.match(small.content[0]?.text ?? '', /Seq Scan on t/);
    await alive();
  });

  it('a cursor fetches as many rows as the byte cap allows, not a fixed 500', () => {
    assert.equal(fetchSize(1_048_576, 1_000), 4);
    assert.equal(fetchSize(65_536, 1_000), 64);
    assert.equal(fetchSize(1024, 1_000), 500);
    assert.equal(fetchSize(1024, 3), 3);
  });
});
