import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Database, loadParser, postgresTools, startEmbedded } from '@mcp-fleet/provider-postgres';
import { createTestDatabase, type TestDatabase } from '@mcp-fleet/provider-postgres/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { type Fleet, startFleet } from './support.js';

/** `vault` is readable by the login role but not by the reader role every transaction drops to. */
const SETUP = `
CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO t SELECT i, 'row ' || i FROM generate_series(1, 5) i;
CREATE TABLE vault (secret text NOT NULL);
INSERT INTO vault VALUES ('swordfish');
`;

// A deadline far above what any query here needs: on a slow machine the 540 MB EXPLAIN took 17 s,
// and which limit answers it must not depend on the machine's speed.
const LIMITS = { timeoutMs: 30_000, maxRows: 100, maxBytes: 65_536 };

type Answer = {
  content: { type: string; text: string }[];
  structuredContent?: { rows?: Record<string, unknown>[]; truncated?: boolean; rowCount?: number };
  isError?: boolean;
};

describe('postgres attacks through the gateway (real PostgreSQL, least-privilege role)', () => {
  let db: TestDatabase;
  let fleet: Fleet;
  let client: Client;
  let embedded: Awaited<ReturnType<typeof startEmbedded>>;
  const pools: pg.Pool[] = [];
  const pool = (url: string) => {
    const p = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 2_000 });
    p.on('error', () => {});
    pools.push(p);
    return p;
  };

  before(async () => {
    await loadParser();
    db = await createTestDatabase(SETUP);
    // As in production: the provider logs in as a role that can do more, and every
    // transaction drops to the reader with SET LOCAL ROLE.
    await db.admin.query(`REVOKE SELECT ON vault FROM ${db.roles.reader}`);
    await db.admin.query(`GRANT ${db.roles.reader} TO ${db.roles.writer}`);
    await db.admin.query(`GRANT CREATE ON SCHEMA public TO ${db.roles.writer}`);
    // As on a default install, where PUBLIC may create temporary objects.
    await db.admin.query(`GRANT TEMPORARY ON DATABASE ${db.name} TO ${db.roles.writer}`);
    embedded = await startEmbedded();
    fleet = await startFleet([
      {
        name: 'postgres',
        // The gateway's own deadline above the provider's: the provider's limits answer, not a race.
        timeoutMs: 2 * LIMITS.timeoutMs,
        definitions: postgresTools({
          db: new Database(pool(db.url('writer')), db.roles.reader),
          readWrite: false,
          dmlOnly: true,
          limits: LIMITS,
        }),
      },
      {
        name: 'ddl',
        definitions: postgresTools({
          db: new Database(pool(db.url('writer')), undefined),
          readWrite: true,
          dmlOnly: false,
          limits: LIMITS,
        }),
      },
      {
        name: 'demo',
        definitions: postgresTools({
          db: new Database(pool(embedded.url), undefined),
          readWrite: false,
          dmlOnly: true,
          limits: LIMITS,
        }),
      },
    ]);
    client = new Client({ name: 'postgres-attacks', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(fleet.url)));
  });
  after(async () => {
    await client?.close();
    await fleet?.close();
    await Promise.all(pools.map((p) => p.end()));
    await embedded?.stop();
    await db?.drop();
  });

  const call = async (tool: string, args: Record<string, unknown>) =>
    (await client.callTool({ name: tool, arguments: args })) as Answer;
  const query = (sql: string, prefix = 'postgres') => call(`${prefix}_query`, { sql });
  const refused = async (sql: string, reason: RegExp, prefix = 'postgres') => {
    const answer = await query(sql, prefix);
    assert.equal(answer.isError, true, `${sql} should be refused, got ${answer.content[0]?.text}`);
    assert.match(answer.content[0]?.text ?? '', reason);
  };
  const advisoryLocks = async () =>
    (await db.admin.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`)).rows[0].n;

  it('SQL smuggled in a string: ts_stat resetting the role and reading the vault is refused', async () => {
    await refused(
      `SELECT b.word FROM ts_stat($$SELECT to_tsvector(set_config('role','none',true))$$) a,
              ts_stat($$SELECT to_tsvector('simple', secret) FROM vault$$) b`,
      /refused: .*ts_stat\(text\) is not on the allow-list/,
    );
    await refused(
      `SELECT ts_rewrite('a'::tsquery, $$SELECT 'a'::tsquery, to_tsquery(secret) FROM vault$$)`,
      /refused: .*ts_rewrite\(tsquery,text\) is not on the allow-list/,
    );
    // The reader really is denied the vault: the smuggling was the only way in.
    await refused('SELECT secret FROM vault', /permission denied for table vault/);
  });

  it('attribute notation calling denied functions is refused by name', async () => {
    await refused(
      `SELECT ('/etc/passwd'::text).pg_read_file`,
      /pg_read_file\(text\) is not on the allow-list/,
    );
    await refused(`SELECT ('.'::text).pg_ls_dir`, /pg_ls_dir\(text\) is not on the allow-list/);
    await refused(
      `SELECT (4242::bigint).pg_advisory_lock`,
      /pg_advisory_lock\(bigint\) is not on the allow-list/,
    );
    await refused(`SELECT t.set_config FROM t`, /set_config\(.*\) is not on the allow-list|refused/);
    assert.equal(await advisoryLocks(), 0);
  });

  it("attribute notation on make dev's embedded database does not list its data directory", async () => {
    await refused(`SELECT ('.'::text).pg_ls_dir`, /pg_ls_dir\(text\) is not on the allow-list/, 'demo');
    const me = await query('SELECT current_user AS me', 'demo');
    assert.deepEqual(me.structuredContent?.rows, [{ me: 'mcp_demo' }]);
  });

  it('session-level advisory locks cannot be taken, so none outlives the call', async () => {
    await refused(
      'SELECT pg_try_advisory_lock(4243)',
      /pg_try_advisory_lock\(bigint\) is not on the allow-list/,
    );
    await refused(
      'SELECT pg_advisory_lock_shared(4244)',
      /pg_advisory_lock_shared\(bigint\) is not on the allow-list/,
    );
    await refused(
      'SELECT pg_advisory_xact_lock(4245)',
      /pg_advisory_xact_lock\(bigint\) is not on the allow-list/,
    );
    assert.equal(await advisoryLocks(), 0);
  });

  it('the first row obeys the byte cap: repeat(x, 50000000) is never returned', async () => {
    const answer = await query(`SELECT repeat('x', 50000000) AS big`);
    assert.equal(answer.isError, undefined, answer.content[0]?.text);
    assert.equal(answer.structuredContent?.truncated, true);
    assert.deepEqual(answer.structuredContent?.rows, []);
    const many = await query(`SELECT i, repeat('y', 30000) AS pad FROM generate_series(1, 10) i`);
    assert.equal(many.structuredContent?.truncated, true);
    assert.equal(many.structuredContent?.rowCount, 2);
  });

  it('a 540 MB EXPLAIN row (too long for a JS string) answers an error and the provider keeps serving', async () => {
    await refused(
      `EXPLAIN VERBOSE SELECT repeat('x', 540000000)`,
      /message of 540000\d+ bytes.*over the \d+-byte limit: the connection was closed/,
    );
    const alive = await query('SELECT 1 AS alive');
    assert.deepEqual(alive.structuredContent?.rows, [{ alive: 1 }]);
  });

  it('SELECT INTO TEMP pg_proc / CREATE TEMP VIEW shadowing the catalog is refused, and the allow-list stays on', async () => {
    for (const sql of [
      'SELECT * INTO TEMP pg_proc FROM pg_catalog.pg_proc WHERE false',
      'SELECT * INTO TEMP pg_operator FROM pg_catalog.pg_operator WHERE false',
      `SELECT lo_from_bytea(0, 'x') INTO TEMP lo_ids`,
      'CREATE TEMP VIEW pg_proc AS SELECT * FROM pg_catalog.pg_proc WHERE false',
      'CREATE VIEW pg_temp.pg_cast AS SELECT * FROM pg_catalog.pg_cast WHERE false',
    ]) {
      const answer = await call('ddl_execute', { sql });
      assert.equal(answer.isError, true, `${sql} should be refused, got ${answer.content[0]?.text}`);
      assert.match(answer.content[0]?.text ?? '', /refused: .*(temporary|pg_temp)/);
    }
    await refused(
      `SELECT set_config('application_name', 'pwned', false)`,
      /set_config\(text,text,boolean\) is not on the allow-list/,
      'ddl',
    );
    const leftovers = await db.admin.query(
      `SELECT (SELECT count(*)::int FROM pg_catalog.pg_class WHERE relpersistence = 't') AS temp,
              (SELECT count(*)::int FROM pg_catalog.pg_largeobject_metadata) AS large_objects`,
    );
    assert.deepEqual(leftovers.rows, [{ temp: 0, large_objects: 0 }]);
  });

  it('an operator, aggregate, cast or SQL function aliasing a denied function is refused when used', async () => {
    // Created behind the provider's back, as a DDL-capable user could have.
    await db.admin.query(
      `CREATE OPERATOR ### (RIGHTARG = bigint, FUNCTION = pg_advisory_lock);
       CREATE AGGREGATE setrole(text, boolean) (SFUNC = set_config, STYPE = text, INITCOND = 'role');
       CREATE FUNCTION wrapped(text) RETURNS text LANGUAGE sql AS $$ SELECT set_config('role', $1, true) $$;
       CREATE TYPE ticket AS (n bigint);
       CREATE FUNCTION to_ticket(bigint) RETURNS ticket LANGUAGE sql
         AS $$ SELECT pg_advisory_lock($1); SELECT ROW($1)::ticket $$;
       CREATE CAST (bigint AS ticket) WITH FUNCTION to_ticket(bigint);`,
    );
    await refused('SELECT ### 4246::bigint', /pg_advisory_lock\(bigint\) is not on the allow-list/);
    await refused(`SELECT setrole('none', true)`, /setrole\(text,boolean\) is not on the allow-list/);
    await refused(`SELECT wrapped('none')`, /wrapped\(text\) is not on the allow-list/);
    await refused('SELECT 4248::bigint::ticket', /to_ticket\(bigint\) is not on the allow-list/);
    await refused('SELECT CAST(4249 AS ticket)', /to_ticket\(bigint\) is not on the allow-list/);
    await refused('SELECT ticket(4250)', /to_ticket\(bigint\) is not on the allow-list/);
    await db.admin.query(
      `CREATE DOMAIN role_name AS text CHECK (set_config('role', VALUE, true) IS NOT NULL)`,
    );
    await refused(`SELECT 'none'::role_name`, /set_config\(text,text,boolean\) is not on the allow-list/);
    // An implicit cast applies without being named, so while one uses an unlisted function, nothing runs.
    await db.admin.query(
      `CREATE FUNCTION ticket_number(ticket) RETURNS bigint LANGUAGE sql AS $$ SELECT pg_advisory_lock(1)::text::bigint $$;
       CREATE CAST (ticket AS bigint) WITH FUNCTION ticket_number(ticket) AS IMPLICIT`,
    );
    await refused('SELECT 1', /ticket_number\(ticket\) is not on the allow-list/);
    await db.admin.query('DROP CAST (ticket AS bigint)');
    assert.equal(await advisoryLocks(), 0);
  });

  it('DDL mode cannot create an operator, aggregate or cast aliasing a function', async () => {
    for (const [sql, reason] of [
      ['CREATE OPERATOR #### (RIGHTARG = bigint, FUNCTION = pg_advisory_lock)', /DefineStmt/],
      ['CREATE AGGREGATE grab(bigint) (SFUNC = pg_advisory_lock, STYPE = void)', /DefineStmt/],
      ['CREATE CAST (text AS bigint) WITH FUNCTION pg_advisory_lock(bigint)', /CreateCastStmt/],
      [`CREATE DOMAIN d AS text CHECK (set_config('role', VALUE, true) IS NOT NULL)`, /set_config/],
      [`CREATE TABLE evil (x text DEFAULT set_config('role', 'none', true))`, /set_config/],
      [`CREATE VIEW v AS SELECT ('.'::text).pg_ls_dir`, /pg_ls_dir/],
    ] as const) {
      const answer = await call('ddl_execute', { sql });
      assert.equal(answer.isError, true, `${sql} should be refused, got ${answer.content[0]?.text}`);
      assert.match(answer.content[0]?.text ?? '', reason);
    }
    const made = await db.admin.query(
      `SELECT count(*)::int AS n FROM pg_operator WHERE oprname = '####'
        UNION ALL SELECT count(*)::int FROM pg_proc WHERE proname = 'grab'
        UNION ALL SELECT count(*)::int FROM pg_class WHERE relname IN ('evil', 'v')`,
    );
    assert.deepEqual(
      made.rows.map((r) => r.n),
      [0, 0, 0],
    );
  });

  it('lo_get and pg_stat_reset are not on the allow-list', async () => {
    await refused('SELECT lo_get(1)', /lo_get\(oid\) is not on the allow-list/);
    await refused('SELECT pg_stat_reset()', /pg_stat_reset\(\) is not on the allow-list/);
    await refused(
      `SELECT pg_stat_reset_single_table_counters('t'::regclass)`,
      /pg_stat_reset_single_table_counters/,
    );
  });

  it('ordinary queries still run: functions, operators, casts, aggregates, window functions', async () => {
    const answer = await query(
      `SELECT count(*) OVER () AS n, upper(name) || '!' AS shout, id::text::int + 1 AS next,
              row_number() OVER (ORDER BY id) AS rn, now() > '2020-01-01'::timestamptz AS recent,
              jsonb_build_object('id', id) ->> 'id' AS j, (t).name AS attr
         FROM t WHERE name LIKE 'row%' AND id BETWEEN 1 AND 2 AND id IN (1, 2) ORDER BY id`,
    );
    assert.equal(answer.isError, undefined, answer.content[0]?.text);
    assert.deepEqual(answer.structuredContent?.rows, [
      { n: '2', shout: 'ROW 1!', next: 2, rn: '1', recent: true, j: '1', attr: 'row 1' },
      { n: '2', shout: 'ROW 2!', next: 3, rn: '2', recent: true, j: '2', attr: 'row 2' },
    ]);
  });
});
