import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startProvider, type TestProvider } from '@mcp-fleet/sdk/testing';
import type { PgProvider } from '../src/context.js';
import { startEmbedded } from '../src/embedded.js';
import { postgresTools } from '../src/provider.js';
import { loadParser } from '../src/sql-guard.js';
import { callTool, createTestDatabase, provider, type TestDatabase } from './support.js';

describe('postgres provider, read-write', () => {
  let db: TestDatabase;
  let pg: PgProvider;
  let server: TestProvider;

  before(async () => {
    await loadParser();
    db = await createTestDatabase(
      'CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL CHECK (balance >= 0)); INSERT INTO accounts VALUES (1, 100), (2, 0);',
    );
    pg = provider(db.url('writer'), { readWrite: true, dmlOnly: true });
    server = await startProvider(postgresTools(pg));
  });
  after(async () => {
    await server.close();
    await pg.db.close();
    await db.drop();
  });

  const call = async (tool: string, args: Record<string, unknown>) => callTool(server, tool, args);
  const balances = async () => (await db.admin.query('SELECT id, balance FROM accounts ORDER BY id')).rows;

  it('registers execute and transaction, annotated as destructive', () => {
    const write = postgresTools(pg).filter((t) => ['execute', 'transaction'].includes(t.name));
    assert.equal(write.length, 2);
    assert.ok(
      write.every((t) => t.annotations?.destructiveHint === true && t.annotations?.readOnlyHint === false),
    );
  });

  it('execute changes rows and says how many', async () => {
    const result = await call('execute', {
      sql: 'UPDATE accounts SET balance = balance + $1 WHERE id = $2',
      params: [5, 1],
    });
    assert.deepEqual(result.structuredContent, { command: 'UPDATE', rowCount: 1 });
    assert.deepEqual(await balances(), [
      { id: 1, balance: 105 },
      { id: 2, balance: 0 },
    ]);
  });

  it('refuses DDL while dml_only, and the statements refused in every mode', async () => {
    for (const [sql, reason] of [
      ['DROP TABLE accounts', /DropStmt is DDL or utility/],
      ['CREATE TABLE evil (x int)', /CreateStmt is DDL or utility/],
      ["COPY accounts TO PROGRAM 'id'", /CopyStmt is not allowed/],
      ['SET ROLE postgres', /VariableSetStmt is not allowed/],
      ["SELECT pg_read_file('/etc/passwd')", /pg_read_file\(text\) is not on the allow-list/],
      ['UPDATE accounts SET balance = 0; DROP TABLE accounts', /exactly one SQL statement/],
    ] as const) {
      const result = await call('execute', { sql });
      assert.equal(result.isError, true, sql);
      assert.match(result.content[0]?.text ?? '', reason);
    }
    assert.equal((await balances()).length, 2);
  });

  it('a transaction is all-or-nothing and names the failing statement', async () => {
    const result = await call('transaction', {
      statements: [
        { sql: 'UPDATE accounts SET balance = balance - 50 WHERE id = 1' },
        { sql: 'UPDATE accounts SET balance = balance + 50 WHERE id = 2' },
        { sql: 'UPDATE accounts SET balance = balance - 500 WHERE id = 2' },
      ],
    });
    assert.equal(result.isError, true);
    assert.match(
      result.content[0]?.text ?? '',
      /statement 2 failed, nothing was applied: .*check constraint/,
    );
    assert.deepEqual(await balances(), [
      { id: 1, balance: 105 },
      { id: 2, balance: 0 },
    ]);
    const ok = await call('transaction', {
      statements: [
        { sql: 'UPDATE accounts SET balance = balance - $1 WHERE id = 1', params: [5] },
        { sql: 'UPDATE accounts SET balance = balance + $1 WHERE id = 2', params: [5] },
      ],
    });
    assert.equal(ok.structuredContent?.committed, true);
    assert.deepEqual(await balances(), [
      { id: 1, balance: 100 },
      { id: 2, balance: 5 },
    ]);
  });

  it('EXPLAIN ANALYZE runs the statement but never keeps its effects', async () => {
    const result = await call('explain', { sql: 'DELETE FROM accounts', analyze: true });
    assert.equal(result.structuredContent?.analyzed, true);
    assert.match(result.content[0]?.text ?? '', /actual time/);
    assert.equal((await balances()).length, 2);
  });

  it('query stays read-only in a read-write provider', async () => {
    const result = await call('query', {
      sql: 'WITH d AS (DELETE FROM accounts RETURNING *) SELECT * FROM d',
    });
    assert.equal(result.isError, true);
    assert.equal((await balances()).length, 2);
  });
});

describe('postgres provider on the embedded PGlite', () => {
  it('serves the demo schema over the wire protocol, with READ ONLY enforced as in PostgreSQL', async () => {
    await loadParser();
    const embedded = await startEmbedded();
    const pg = provider(embedded.url, {
      poolSize: 2,
      allowFunctions: ['pg_catalog.nextval'],
      watchdog: embedded.watchdog,
    });
    const server = await startProvider(postgresTools(pg));
    try {
      const call = async (tool: string, args: Record<string, unknown>) => callTool(server, tool, args);
      const customers = await call('query', { sql: 'SELECT name FROM customers ORDER BY id' });
      assert.deepEqual(customers.structuredContent?.rows, [
        { name: 'Ada' },
        { name: 'Grace' },
        { name: 'Linus' },
      ]);
      const described = await call('describe_object', { name: 'orders' });
      assert.match(described.content[0]?.text ?? '', /foreign key/);
      const nextval = await call('query', { sql: "SELECT nextval('customers_id_seq')" });
      assert.match(nextval.content[0]?.text ?? '', /read-only transaction/);
    } finally {
      await server.close();
      await pg.db.close();
      await embedded.stop();
    }
  });
});
