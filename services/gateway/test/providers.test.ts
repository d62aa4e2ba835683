import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filesystemTools, loadRoots } from '@mcp-fleet/provider-filesystem';
import { Database, loadParser, postgresTools, startEmbedded } from '@mcp-fleet/provider-postgres';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { type Fleet, startFleet } from './support.js';

describe('real providers behind the gateway', () => {
  let fleet: Fleet;
  let client: Client;
  let embedded: Awaited<ReturnType<typeof startEmbedded>>;
  let pool: pg.Pool;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcpfleet-fs-e2e-'));
    const files = filesystemTools({
      roots: await loadRoots(`${dataDir}:rw`),
      maxRead: 65_536,
      maxWrite: 65_536,
    });
    await loadParser();
    embedded = await startEmbedded();
    pool = new pg.Pool({ connectionString: embedded.url, max: 2 });
    const postgres = postgresTools({
      db: new Database(pool, undefined),
      readWrite: false,
      dmlOnly: true,
      limits: { timeoutMs: 5_000, maxRows: 100, maxBytes: 65_536 },
    });
    fleet = await startFleet([
      { name: 'postgres', definitions: postgres },
      { name: 'filesystem', definitions: files },
    ]);
    client = new Client({ name: 'providers-e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(fleet.url)));
  });
  after(async () => {
    await client.close();
    await fleet.close();
    await pool.end();
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('postgres: the tools appear as postgres_*, a query runs, a write is refused', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('postgres_query') && names.includes('postgres_describe_object'));
    assert.ok(!names.includes('postgres_execute'), 'read-only: no write tools');
    const result = await client.callTool({
      name: 'postgres_query',
      arguments: { sql: 'SELECT count(*)::int AS n FROM orders' },
    });
    assert.deepEqual((result.structuredContent as { rows: unknown[] }).rows, [{ n: 3 }]);
    const refused = await client.callTool({
      name: 'postgres_query',
      arguments: { sql: 'DELETE FROM orders' },
    });
    assert.equal(refused.isError, true);
  });

  it('filesystem: a report written through the gateway lands in the root; escapes are refused', async () => {
    const written = await client.callTool({
      name: 'filesystem_write',
      arguments: { path: 'report.md', content: '# Orders\n3\n' },
    });
    assert.equal(written.isError, undefined);
    assert.equal(await readFile(join(dataDir, 'report.md'), 'utf8'), '# Orders\n3\n');
    const escaped = await client.callTool({
      name: 'filesystem_read_text',
      arguments: { path: '../../etc/passwd' },
    });
    assert.equal(escaped.isError, true);
  });
});
