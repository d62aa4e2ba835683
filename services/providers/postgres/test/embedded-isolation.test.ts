import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createProviderClient, type ToolProviderClient } from '@mcp-fleet/contract';
import {
  freePort,
  openCall,
  type ProviderProcess,
  resultOf,
  runCall,
  spawnProvider,
  toolCall,
  waitFor,
} from '@mcp-fleet/sdk/testing';
import type { Result } from './support.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** Runs for minutes on PGlite, which neither honours statement_timeout nor answers a cancel request. */
const RUNAWAY = 'SELECT count(*) FROM generate_series(1, 1000000000)';

/** Generous bound for an answer: far below the runaway's minutes, far above a restart. */
const ANSWER_WITHIN_MS = 20_000;

interface Fleet {
  process: ProviderProcess;
  client: ToolProviderClient;
  stop(): Promise<void>;
}

/** The real provider process on the embedded PGlite, read-write, with `dataDir` as its data directory. */
async function startProviderProcess(dataDir: string): Promise<Fleet> {
  const target = `127.0.0.1:${await freePort()}`;
  const process = spawnProvider(MAIN, ['--listen', target, '--insecure-no-identity'], {
    MCPFLEET_PG_EMBEDDED_DIR: dataDir,
    MCPFLEET_PG_MODE: 'read-write',
    MCPFLEET_PG_STATEMENT_TIMEOUT: '30s',
  });
  // A fresh data directory runs initdb first (seconds).
  await waitFor(() => process.output().includes('serving'), 'the provider to listen', 90_000);
  const client = createProviderClient(target);
  return {
    process,
    client,
    async stop() {
      client.close();
      process.child.kill('SIGTERM');
      assert.equal(await process.exited, 0, process.output());
    },
  };
}

async function call(fleet: Fleet, tool: string, args: Record<string, unknown>): Promise<Result> {
  return resultOf(
    await runCall(fleet.client, toolCall(tool, args), { deadlineMs: ANSWER_WITHIN_MS }),
  ) as Result;
}

const text = (result: Result) => result.content.map((c) => c.text).join('\n');

async function customerNames(fleet: Fleet): Promise<string[]> {
  const result = await call(fleet, 'query', { sql: 'SELECT name FROM customers ORDER BY id' });
  assert.equal(result.isError, undefined, text(result));
  return (result.structuredContent?.rows as { name: string }[]).map((r) => r.name);
}

describe('embedded PGlite in its own process: no call can block the provider', () => {
  let scratch: string;
  let dataDir: string;
  let fleet: Fleet;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'mcpfleet-pg-isolation-'));
    dataDir = join(scratch, 'pgdata');
    fleet = await startProviderProcess(dataDir);
  });
  after(async () => {
    await fleet.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('a runaway query answers 57014 at its deadline, then an ordinary query answers', async () => {
    const runaway = await call(fleet, 'query', { sql: RUNAWAY, timeoutMs: 1_000 });
    assert.equal(runaway.isError, true);
    assert.match(text(runaway), /PostgreSQL error 57014: canceling statement due to statement timeout/);
    assert.deepEqual(await customerNames(fleet), ['Ada', 'Grace', 'Linus']);
  });

  it('a call in flight when the database restarts fails with a retryable error; the pool reconnects', async () => {
    const runaway = call(fleet, 'query', { sql: RUNAWAY, timeoutMs: 1_000 });
    // Queued behind the runaway's transaction on PGlite's single backend, with a later deadline.
    const bystander = call(fleet, 'query', { sql: 'SELECT 1 AS one', timeoutMs: 10_000 });
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
    const inserted = await call(fleet, 'execute', {
      sql: 'INSERT INTO customers (name, email) VALUES ($1, $2)',
      params: ['Edsger', 'edsger@example.com'],
    });
    assert.deepEqual(inserted.structuredContent, { command: 'INSERT', rowCount: 1 });
    assert.match(text(await call(fleet, 'query', { sql: RUNAWAY, timeoutMs: 1_000 })), /57014/);
    assert.deepEqual(await customerNames(fleet), ['Ada', 'Grace', 'Linus', 'Edsger']);

    await fleet.stop();
    fleet = await startProviderProcess(dataDir);
    assert.deepEqual(await customerNames(fleet), ['Ada', 'Grace', 'Linus', 'Edsger']);
    const orders = await call(fleet, 'query', { sql: 'SELECT count(*)::int AS n FROM orders' });
    assert.deepEqual(orders.structuredContent?.rows, [{ n: 3 }]);
  });
});
