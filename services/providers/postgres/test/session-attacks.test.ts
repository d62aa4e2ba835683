import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startProvider, type TestProvider } from '@mcp-fleet/sdk/testing';
import type { PgProvider } from '../src/context.js';
import { postgresTools } from '../src/provider.js';
import { loadParser } from '../src/sql-guard.js';
import { callTool, createTestDatabase, provider, type TestDatabase } from './support.js';

/** TEMPORARY is granted to PUBLIC by default; the test database revokes it, these tests give it back. */
const SETUP = 'CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, $$a$$);';

const SHADOWS = ['pg_proc', 'pg_operator', 'pg_type', 'pg_cast'];

describe('postgres provider: no session state survives a call, no caller object shadows the catalog', () => {
  let db: TestDatabase;
  const providers: PgProvider[] = [];
  const servers: TestProvider[] = [];
  const start = async (options: Parameters<typeof provider>[1]) => {
    const p = provider(db.url('writer'), { poolSize: 1, ...options });
    providers.push(p);
    const server = await startProvider(postgresTools(p));
    servers.push(server);
    return { p, call: (tool: string, args: Record<string, unknown>) => callTool(server, tool, args) };
  };
  let dml: Awaited<ReturnType<typeof start>>;
  let ddl: Awaited<ReturnType<typeof start>>;

  before(async () => {
    await loadParser();
    db = await createTestDatabase(SETUP);
    await db.admin.query(`GRANT TEMPORARY ON DATABASE ${db.name} TO ${db.roles.writer}`);
    await db.admin.query(`GRANT CREATE ON SCHEMA public TO ${db.roles.writer}`);
    dml = await start({ readWrite: true, dmlOnly: true });
    ddl = await start({ readWrite: true, dmlOnly: false });
  });
  after(async () => {
    for (const server of servers) await server.close();
    for (const p of providers) await p.db.close();
    await db.drop();
  });

  const tempObjects = async () =>
    (await db.admin.query(`SELECT count(*)::int AS n FROM pg_catalog.pg_class WHERE relpersistence = 't'`))
      .rows[0].n;
  const largeObjects = async () =>
    (await db.admin.query('SELECT count(*)::int AS n FROM pg_catalog.pg_largeobject_metadata')).rows[0].n;
  const stillGated = async (call: typeof dml.call) => {
    const answer = await call('query', { sql: `SELECT set_config('application_name', 'pwned', false)` });
    assert.equal(answer.isError, true, answer.content[0]?.text);
    assert.match(answer.content[0]?.text ?? '', /set_config\(text,text,boolean\) is not on the allow-list/);
  };

  for (const [mode, which] of [
    ['dml_only', () => dml],
    ['DDL', () => ddl],
  ] as const) {
    it(`SELECT INTO TEMP shadowing the catalog is refused (${mode}), and the allow-list stays on`, async () => {
      for (const table of SHADOWS) {
        const answer = await which().call('execute', {
          sql: `SELECT * INTO TEMP ${table} FROM pg_catalog.${table} WHERE false`,
        });
        assert.equal(answer.isError, true, answer.content[0]?.text);
        assert.match(answer.content[0]?.text ?? '', /refused: .*(SELECT INTO|temporary)/i);
      }
      const lo = await which().call('execute', { sql: `SELECT lo_from_bytea(0, 'x') INTO TEMP lo_ids` });
      assert.equal(lo.isError, true);
      assert.equal(await largeObjects(), 0);
      assert.equal(await tempObjects(), 0);
      await stillGated(which().call);
    });
  }

  it('DDL mode refuses every form of temporary object', async () => {
    for (const sql of [
      'CREATE TEMP VIEW pg_proc AS SELECT * FROM pg_catalog.pg_proc WHERE false',
      'CREATE TEMPORARY TABLE pg_operator AS SELECT * FROM pg_catalog.pg_operator WHERE false',
      'CREATE TABLE pg_temp.pg_cast AS SELECT * FROM pg_catalog.pg_cast WHERE false',
      'CREATE VIEW pg_temp.pg_type AS SELECT * FROM pg_catalog.pg_type WHERE false',
      'CREATE TEMP TABLE scratch (a int)',
      'CREATE TEMP SEQUENCE s',
      'CREATE TYPE pg_temp.text AS (a int)',
      'CREATE DOMAIN pg_temp.int4 AS bigint',
      'CREATE TABLE made AS SELECT 1 AS a INTO TEMP x',
    ]) {
      const answer = await ddl.call('execute', { sql });
      assert.equal(answer.isError, true, `${sql}: ${answer.content[0]?.text}`);
    }
    assert.equal(await tempObjects(), 0);
    await stillGated(ddl.call);
    const plain = await ddl.call('execute', { sql: 'CREATE TABLE kept (a int)' });
    assert.equal(plain.isError, undefined, plain.content[0]?.text);
  });

  it('a temporary catalog shadow already on the pooled connection neither fools the gate nor survives the call', async () => {
    // As if a hole elsewhere had let one through: made on the provider's own (only) connection.
    const client = await dml.p.db.pool.connect();
    await client.query(
      SHADOWS.map((s) => `CREATE TEMP VIEW ${s} AS SELECT * FROM pg_catalog.${s} WHERE false`).join(';'),
    );
    client.release();
    assert.equal(await tempObjects(), SHADOWS.length);
    await stillGated(dml.call);
    assert.equal(await tempObjects(), 0);
    const rows = await dml.call('query', { sql: 'SELECT name FROM t' });
    assert.deepEqual(rows.structuredContent?.rows, [{ name: 'a' }]);
  });
});
