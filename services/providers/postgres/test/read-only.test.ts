import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startProvider, type TestProvider } from '@mcp-fleet/sdk/testing';
import type { PgProvider } from '../src/context.js';
import { postgresTools } from '../src/provider.js';
import { loadParser } from '../src/sql-guard.js';
import { callTool, createTestDatabase, provider, type TestDatabase } from './support.js';

const SETUP = `
CREATE TABLE t (id serial PRIMARY KEY, name text NOT NULL, secret text);
CREATE TABLE x (id int);
CREATE SEQUENCE s;
INSERT INTO t (name, secret) SELECT 'row ' || i, 'hunter' || i FROM generate_series(1, 50) i;
INSERT INTO x VALUES (1);
`;

describe('postgres provider, read-only, against a real PostgreSQL as a least-privilege role', () => {
  let db: TestDatabase;
  let pg: PgProvider;
  let server: TestProvider;

  before(async () => {
    await loadParser();
    db = await createTestDatabase(SETUP);
    pg = provider(db.url('reader'), {
      poolSize: 1,
      poolWait: 300,
      limits: { timeoutMs: 3_000, maxRows: 20, maxBytes: 65_536 },
      // These let the tests reach the layers behind the allow-list: the database's own limits, and
      // the clean-up of session state when a connection goes back to the pool.
      allowFunctions: ['pg_catalog.pg_sleep', 'pg_catalog.nextval', 'pg_catalog.pg_try_advisory_lock'],
    });
    server = await startProvider(postgresTools(pg));
  });
  after(async () => {
    await server.close();
    await pg.db.close();
    await db.drop();
  });

  const call = async (tool: string, args: Record<string, unknown>) => callTool(server, tool, args);
  const sql = (text: string, extra: Record<string, unknown> = {}) => call('query', { sql: text, ...extra });
  const refused = async (text: string, reason: RegExp) => {
    const result = await sql(text);
    assert.equal(result.isError, true, `${text} should be refused`);
    assert.match(result.content[0]?.text ?? '', reason);
  };
  const rowsOfX = async () => (await db.admin.query('SELECT count(*)::int AS n FROM x')).rows[0].n;

  it('registers no write tools in read-only mode', async () => {
    const names = postgresTools(pg).map((t) => t.name);
    assert.deepEqual(names, [
      'list_schemas',
      'list_objects',
      'describe_object',
      'query',
      'explain',
      'top_queries',
      'db_health',
      'recommend_indexes',
    ]);
  });

  it('runs a SELECT with parameters and returns columns, rows and a text table', async () => {
    const result = await sql('SELECT id, name FROM t WHERE id <= $1 ORDER BY id', { params: [2] });
    assert.deepEqual(result.structuredContent, {
      columns: [
        { name: 'id', type: 'int4' },
        { name: 'name', type: 'text' },
      ],
      rows: [
        { id: 1, name: 'row 1' },
        { id: 2, name: 'row 2' },
      ],
      rowCount: 2,
      truncated: false,
    });
    assert.match(result.content[0]?.text ?? '', /id \| name/);
  });

  const attacks: [string, string, RegExp][] = [
    ['a second statement after COMMIT', 'SELECT 1; COMMIT; DROP TABLE x', /exactly one SQL statement/],
    ['a second statement after END', 'SELECT 1; END; DROP TABLE x', /exactly one SQL statement/],
    ['SET TRANSACTION READ WRITE', 'SET TRANSACTION READ WRITE', /VariableSetStmt is not allowed/],
    [
      'set_config turning read-only off',
      "SELECT set_config('default_transaction_read_only', 'off', false)",
      /set_config\(text,text,boolean\) is not on the allow-list/,
    ],
    [
      'a data-modifying CTE',
      'WITH d AS (DELETE FROM x RETURNING *) SELECT * FROM d',
      /DeleteStmt is not allowed in read-only mode/,
    ],
    [
      'pg_read_file in FROM',
      "SELECT * FROM pg_read_file('/etc/passwd')",
      /pg_read_file\(text\) is not on the allow-list/,
    ],
    [
      'pg_read_file schema-qualified',
      "SELECT pg_catalog.pg_read_file('/etc/passwd')",
      /pg_read_file\(text\) is not on the allow-list/,
    ],
    ['COPY TO PROGRAM', "COPY x TO PROGRAM 'id'", /CopyStmt is not allowed/],
    ['a DO block', 'DO $$ BEGIN DELETE FROM x; END $$', /DoStmt is not allowed/],
    ['EXPLAIN ANALYZE DELETE', 'EXPLAIN ANALYZE DELETE FROM x', /DeleteStmt is not allowed|EXPLAIN ANALYZE/],
    ['SELECT INTO', 'SELECT * INTO TEMP stolen FROM t', /SELECT INTO is not allowed|temporary tables/],
    ['SELECT INTO a table', 'SELECT * INTO stolen FROM t', /SELECT INTO is not allowed/],
    ['FOR UPDATE', 'SELECT * FROM t FOR UPDATE', /row locks are not allowed/],
    [
      'query_to_xml smuggling SQL',
      "SELECT query_to_xml('DELETE FROM x', true, true, '')",
      /query_to_xml\(text,boolean,boolean,text\) is not on the allow-list/,
    ],
    [
      'dblink_exec',
      "SELECT dblink_exec('dbname=postgres', 'DROP TABLE x')",
      /dblink_exec.*(is not on the allow-list|does not exist)/,
    ],
    [
      'pg_terminate_backend',
      'SELECT pg_terminate_backend(1)',
      /pg_terminate_backend\(integer(,bigint)?\) is not on the allow-list/,
    ],
    ['an INSERT', 'INSERT INTO x VALUES (2)', /InsertStmt is not allowed in read-only mode/],
    ['lo_import', "SELECT lo_import('/etc/passwd')", /lo_import\(text\) is not on the allow-list/],
  ];
  for (const [what, text, reason] of attacks) {
    it(`refuses ${what}, and nothing changed`, async () => {
      await refused(text, reason);
      assert.equal(await rowsOfX(), 1);
    });
  }

  it('the database enforces READ ONLY behind the gates: an admitted nextval() fails in the read-only transaction', async () => {
    await db.admin.query(`GRANT USAGE ON SEQUENCE s TO ${new URL(db.url('reader')).username}`);
    const result = await sql("SELECT nextval('s')");
    assert.equal(result.isError, true);
    assert.match(result.content[0]?.text ?? '', /PostgreSQL error 25006.*read-only transaction/);
  });

  it('a session-level advisory lock admitted past the allow-list is released with the connection', async () => {
    const locks = async () =>
      (await db.admin.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`)).rows[0].n;
    const result = await sql('SELECT pg_try_advisory_lock(4251) AS got');
    assert.deepEqual(result.structuredContent?.rows, [{ got: true }]);
    assert.equal(await locks(), 0);
  });

  it('keeps valid SQL valid: $$a;b$$ is one statement', async () => {
    const result = await sql('SELECT $$a;b$$ AS s, $tag$x;y$tag$ AS t');
    assert.deepEqual(result.structuredContent?.rows, [{ s: 'a;b', t: 'x;y' }]);
  });

  it('a query past the timeout is cancelled, and its connection serves the next call (pool of one)', async () => {
    const slow = await sql('SELECT pg_sleep(600)', { timeoutMs: 300 });
    assert.equal(slow.isError, true);
    assert.match(slow.content[0]?.text ?? '', /PostgreSQL error 57014.*statement timeout/);
    assert.deepEqual((await sql('SELECT 1 AS one')).structuredContent?.rows, [{ one: 1 }]);
  });

  it('caps rows without reading them all: generate_series(1, 1e9) comes back truncated at once', async () => {
    const started = Date.now();
    const result = await sql('SELECT generate_series(1, 1000000000) AS g');
    assert.equal(result.structuredContent?.rowCount, 20);
    assert.equal(result.structuredContent?.truncated, true);
    assert.ok(Date.now() - started < 2_000);
    // In FROM, PostgreSQL materialises the series first: the timeout bounds it, not our memory.
    const materialised = await sql('SELECT * FROM generate_series(1, 1000000000) g', { timeoutMs: 500 });
    assert.match(materialised.content[0]?.text ?? '', /PostgreSQL error 57014/);
  });

  it('caps bytes too', async () => {
    const result = await sql("SELECT repeat('x', 20000) AS big FROM generate_series(1, 10)");
    assert.equal(result.structuredContent?.truncated, true);
    assert.ok((result.structuredContent?.rowCount as number) < 10);
  });

  it('a full pool answers busy instead of hanging', async () => {
    const holding = sql('SELECT pg_sleep(1)', { timeoutMs: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busy = await sql('SELECT 1');
    assert.equal(busy.isError, true);
    assert.match(busy.content[0]?.text ?? '', /database busy: all 1 connections are in use/);
    assert.equal((await holding).isError, undefined);
  });

  it('invalid SQL comes back with the parser message and position; wrong parameters with the server error', async () => {
    const bad = await sql('SELEC 1');
    assert.equal(bad.isError, true);
    assert.match(bad.content[0]?.text ?? '', /syntax error at or near "SELEC" \(at character 1\)/);
    const missing = await sql('SELECT * FROM nope');
    assert.match(
      missing.content[0]?.text ?? '',
      /PostgreSQL error 42P01 at character 15: relation "nope" does not exist/,
    );
    const arity = await sql('SELECT $1::int + $2::int', { params: [1] });
    assert.match(arity.content[0]?.text ?? '', /PostgreSQL error 08P01|bind message supplies 1 parameters/);
    const type = await sql('SELECT $1::int', { params: ['not a number'] });
    assert.match(
      type.content[0]?.text ?? '',
      /PostgreSQL error 22P02: invalid input syntax for type integer/,
    );
  });

  it('describe_object treats a hostile identifier as a plain name', async () => {
    const result = await call('describe_object', { name: 't"; DROP TABLE x;--' });
    assert.equal(result.isError, true);
    assert.match(
      result.content[0]?.text ?? '',
      /no table or view "t\\"; DROP TABLE x;--" in schema "public"/,
    );
    assert.equal(await rowsOfX(), 1);
  });

  it('names the types of many new columns at once, one query at a time on the connection', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const result = await sql(
        "SELECT true AS b, 1::int2 AS s, 1.5::numeric AS n, 'x'::varchar AS v, now() AS at, '{}'::jsonb AS j",
      );
      assert.deepEqual(
        (result.structuredContent as { columns: { type: string }[] }).columns.map((c) => c.type),
        ['bool', 'int2', 'numeric', 'varchar', 'timestamptz', 'jsonb'],
      );
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    // pg warns (and pg 9 will fail) when a second query is sent on a client still running one.
    assert.deepEqual(
      warnings.map((w) => w.message),
      [],
    );
  });

  it('describes a table: columns, keys, indexes, estimate', async () => {
    const result = await call('describe_object', { name: 't' });
    const described = result.structuredContent as {
      columns: { column: string; nullable: boolean }[];
      constraints: { kind: string }[];
      indexes: { name: string }[];
    };
    assert.deepEqual(
      described.columns.map((c) => [c.column, c.nullable]),
      [
        ['id', false],
        ['name', false],
        ['secret', true],
      ],
    );
    assert.deepEqual(
      described.constraints.map((c) => c.kind),
      ['primary key'],
    );
    assert.deepEqual(
      described.indexes.map((i) => i.name),
      ['t_pkey'],
    );
  });

  it('lists schemas and objects', async () => {
    assert.deepEqual((await call('list_schemas', {})).structuredContent?.rows, [
      { schema: 'public', owner: 'pg_database_owner' },
    ]);
    const objects = (await call('list_objects', {})).structuredContent?.rows as {
      name: string;
      kind: string;
    }[];
    assert.deepEqual(
      objects.map((o) => `${o.kind}:${o.name}`),
      ['sequence:s', 'sequence:t_id_seq', 'table:t', 'table:x'],
    );
  });

  it('explains without running; refuses ANALYZE in read-only mode', async () => {
    const plan = await call('explain', { sql: 'SELECT * FROM t WHERE name = $1', params: ['row 1'] });
    assert.equal(plan.structuredContent?.analyzed, false);
    assert.match(plan.content[0]?.text ?? '', /Seq Scan on t/);
    const analyze = await call('explain', { sql: 'DELETE FROM x', analyze: true });
    assert.equal(analyze.isError, true);
    assert.match(analyze.content[0]?.text ?? '', /EXPLAIN ANALYZE needs a read-write provider/);
  });

  it('reports health and suggests an index for a filtered scan', async () => {
    const health = await call('db_health', {});
    assert.ok(Array.isArray((health.structuredContent as { connections: unknown[] }).connections));
    const advice = await call('recommend_indexes', { queries: ["SELECT * FROM t WHERE name = 'row 7'"] });
    assert.match(advice.content[0]?.text ?? '', /CREATE INDEX ON (public\.)?t \(name\)/);
  });

  it('top_queries reads pg_stat_statements when it is installed', async () => {
    const before = await call('top_queries', {});
    assert.match(before.content[0]?.text ?? '', /pg_stat_statements is not installed/);
    await db.admin.query('CREATE EXTENSION pg_stat_statements');
    await db.admin.query(`GRANT pg_read_all_stats TO ${new URL(db.url('reader')).username}`);
    const after = await call('top_queries', { limit: 3 });
    assert.equal(after.isError, undefined, after.content[0]?.text);
    assert.ok((after.structuredContent?.rowCount as number) > 0);
  });
});
