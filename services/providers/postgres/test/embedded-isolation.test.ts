import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openCall, toolCall } from '@mcp-fleet/sdk/testing';
import { type RunningProvider, startProviderProcess, text } from './process.js';

/** Runs for minutes on PGlite, which neither honours statement_timeout nor answers a cancel request. */
const RUNAWAY = 'SELECT count(*) FROM generate_series(1, 1000000000)';

/** The real provider process on the embedded PGlite, read-write, with `dataDir` as its data directory. */
const startEmbeddedProvider = (dataDir: string) =>
  startProviderProcess({
    MCPFLEET_PG_EMBEDDED_DIR: dataDir,
    MCPFLEET_PG_MODE: 'read-write',
    MCPFLEET_PG_STATEMENT_TIMEOUT: '30s',
  });

async function customerNames(fleet: RunningProvider): Promise<string[]> {
  const result = await fleet.call('query', { sql: 'SELECT name FROM customers ORDER BY id' });
  assert.equal(result.isError, undefined, text(result));
  return (result.structuredContent?.rows as { name: string }[]).map((r) => r.name);
}

describe('embedded PGlite in its own process: no call can block the provider', () => {
  let scratch: string;
  let dataDir: string;
  let fleet: RunningProvider;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'mcpfleet-pg-isolation-'));
    dataDir = join(scratch, 'pgdata');
    fleet = await startEmbeddedProvider(dataDir);
  });
  after(async () => {
    await fleet.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('a runaway query answers 57014 at its deadline, then an ordinary query answers', async () => {
    const runaway = await fleet.call('query', { sql: RUNAWAY, timeoutMs: 1_000 });
    assert.equal(runaway.isError, true);
    assert.match(text(runaway), /PostgreSQL error 57014: canceling statement due to statement timeout/);
    assert.deepEqual(await customerNames(fleet), ['Ada', 'Grace', 'Linus']);
  });

  it('a call in flight when the database restarts fails with a retryable error; the pool reconnects', async () => {
    const runaway = fleet.call('query', { sql: RUNAWAY, timeoutMs: 1_000 });
    // Queued behind the runaway's transaction on PGlite's single backend, with a later deadline.
    const bystander = fleet.call('query', { sql: 'SELECT 1 AS one', timeoutMs: 10_000 });
    assert.match(text(await runaway), /57014/);
    const failed = await bystander;
    assert.equal(failed.isError, true);
    assert.match(text(failed), /embedded database was restarted .*retry/);
    assert.deepEqual(await customerNames(fleet), ['Ada', 'Grace', 'Linus']);
  });

  it('cancelling a runaway call frees the database for the next call', async () => {
    const { stream, done } = openCall(fleet.client, toolCall('query', { sql: RUNAWAY }));
    stream.end();
    // The statement timeout is 30 s: only the cancellation can free the database in time.
    await new Promise((resolve) => setTimeout(resolve, 500));
    stream.cancel();
    await done;
    assert.deepEqual(await customerNames(fleet), ['Ada', 'Grace', 'Linus']);
  });

  it('committed rows survive a restart and a new provider process; the demo is seeded once', async () => {
    const inserted = await fleet.call('execute', {
      sql: 'INSERT INTO customers (name, email) VALUES ($1, $2)',
      params: ['Edsger', 'edsger@example.com'],
    });
    assert.deepEqual(inserted.structuredContent, { command: 'INSERT', rowCount: 1 });
    assert.match(text(await fleet.call('query', { sql: RUNAWAY, timeoutMs: 1_000 })), /57014/);
    assert.deepEqual(await customerNames(fleet), ['Ada', 'Grace', 'Linus', 'Edsger']);

    await fleet.stop();
    fleet = await startEmbeddedProvider(dataDir);
    assert.deepEqual(await customerNames(fleet), ['Ada', 'Grace', 'Linus', 'Edsger']);
    const orders = await fleet.call('query', { sql: 'SELECT count(*)::int AS n FROM orders' });
    assert.deepEqual(orders.structuredContent?.rows, [{ n: 3 }]);
  });
});
