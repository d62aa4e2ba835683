import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startProvider, type TestProvider } from '@mcp-fleet/sdk/testing';
import type { PgProvider } from '../src/context.js';
import { postgresTools } from '../src/provider.js';
import { loadParser } from '../src/sql-guard.js';
import { callTool, createTestDatabase, provider, type TestDatabase } from './support.js';

/**
 * Functions that run without being named: an `=` implied by JOIN USING / NATURAL JOIN, and domain
 * checks reached through composite fields, array elements and table row types. Each would take an
 * advisory lock; the gate must refuse the statement before it runs.
 */
const SETUP = `
CREATE TYPE mood AS ENUM ('calm', 'angry');
CREATE FUNCTION mood_eq(mood, mood) RETURNS boolean LANGUAGE sql
  AS $$ SELECT pg_try_advisory_lock(4301) AND $1::text = $2::text $$;
CREATE OPERATOR = (LEFTARG = mood, RIGHTARG = mood, FUNCTION = mood_eq);
CREATE TABLE m1 (m mood);
CREATE TABLE m2 (m mood);
INSERT INTO m1 VALUES ('calm'); INSERT INTO m2 VALUES ('calm');
CREATE DOMAIN posint AS int CHECK (pg_try_advisory_lock(VALUE));
CREATE TYPE comp AS (a posint);
CREATE DOMAIN posarr AS posint[];
CREATE TABLE withdom (a posint);
CREATE TYPE posrange AS RANGE (subtype = posint);
`;

describe('postgres provider: functions implied without being named are gated (least-privilege role)', () => {
  let db: TestDatabase;
  let pg: PgProvider;
  let server: TestProvider;

  before(async () => {
    await loadParser();
    db = await createTestDatabase(SETUP);
    pg = provider(db.url('reader'), { poolSize: 1 });
    server = await startProvider(postgresTools(pg));
  });
  after(async () => {
    await server.close();
    await pg.db.close();
    await db.drop();
  });

  const locks = async () =>
    (await db.admin.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`)).rows[0].n;
  const refused = async (sql: string, reason: RegExp) => {
    const answer = await callTool(server, 'query', { sql });
    assert.equal(answer.isError, true, `${sql} should be refused, got ${answer.content[0]?.text}`);
    assert.match(answer.content[0]?.text ?? '', reason);
  };

  for (const sql of [
    'SELECT * FROM m1 JOIN m2 USING (m)',
    'SELECT * FROM m1 NATURAL JOIN m2',
    'SELECT * FROM m1 LEFT JOIN (m2 NATURAL JOIN m1 AS m3) USING (m)',
  ]) {
    it(`a user = behind an implied join operator is refused: ${sql}`, async () => {
      await refused(sql, /mood_eq\(mood,mood\) is not on the allow-list/);
      assert.equal(await locks(), 0);
    });
  }

  for (const sql of [
    `SELECT '(1)'::comp`,
    'SELECT ROW(1)::comp',
    'SELECT (ROW(1)::comp).a',
    `SELECT '{1}'::posarr`,
    `SELECT jsonb_populate_record(NULL::withdom, '{"a": 1}')`,
    `SELECT '[1,2)'::posrange`,
  ]) {
    it(`a domain check reached through a composite, array or range is gated: ${sql}`, async () => {
      await refused(sql, /pg_try_advisory_lock\(bigint\) is not on the allow-list/);
      assert.equal(await locks(), 0);
    });
  }

  it('functions that take a type name as text are off the allow-list', async () => {
    await refused(`SELECT pg_input_is_valid('1', 'posint')`, /pg_input_is_valid|does not exist/);
    await refused(`SELECT pg_input_error_info('1', 'posint')`, /pg_input_error_info|does not exist/);
  });

  // (While a user `=` is on the search path every `=` is refused: the gate cannot tell which one applies.)
  it('plain composites, arrays and ranges still run', async () => {
    const answer = await callTool(server, 'query', {
      sql: `SELECT '{1,2}'::int[] AS a, ROW(1, 'x')::record::text AS r, t.x, '[1,3)'::int4range::text AS g
              FROM (VALUES (1)) t(x) CROSS JOIN (VALUES (1)) u(y)`,
    });
    assert.equal(answer.isError, undefined, answer.content[0]?.text);
    assert.deepEqual(answer.structuredContent?.rows, [{ a: [1, 2], r: '(1,x)', x: 1, g: '[1,3)' }]);
  });
});
