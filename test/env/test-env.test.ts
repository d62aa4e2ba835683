import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';

/** The servers scripts/test-env.sh starts; every integration test relies on them. */
function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests with \`make test\` (scripts/test-env.sh up)`);
  return value;
}

describe('test environment', () => {
  it('has a real PostgreSQL server on loopback that accepts writes and enforces READ ONLY', async () => {
    const url = new URL(required('DATABASE_URL'));
    assert.equal(url.hostname, '127.0.0.1');
    const client = new pg.Client({ connectionString: url.href });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string }>('select version()');
      assert.match(rows[0]?.version ?? '', /^PostgreSQL \d+/);
      // A regular table: READ ONLY still lets a transaction write to temporary tables.
      await client.query('create table if not exists test_env_probe (x int)');
      await client.query('insert into test_env_probe values (1)');
      await client.query('begin read only');
      await assert.rejects(client.query('insert into test_env_probe values (2)'), /read-only transaction/);
      await client.query('rollback');
      await client.query('drop table test_env_probe');
      const { rows: ext } = await client.query(
        "select 1 from pg_available_extensions where name = 'pg_stat_statements'",
      );
      assert.equal(ext.length, 1, 'pg_stat_statements is available');
    } finally {
      await client.end();
    }
  });

  it('has a real Redis server on loopback that runs Lua', async () => {
    const url = new URL(required('REDIS_URL'));
    assert.equal(url.hostname, '127.0.0.1');
    const redis = new Redis(url.href, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      assert.equal(await redis.ping(), 'PONG');
      assert.equal(
        await redis.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, 'mcpfleet:test-env', 5),
        5,
      );
      await redis.del('mcpfleet:test-env');
    } finally {
      redis.disconnect();
    }
  });
});
