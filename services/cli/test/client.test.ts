import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@mcp-fleet/sdk/testing';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { FleetClient, RefusedForNow } from '../src/index.js';
import { PROTOCOLS, startTestFleet, type TestFleet } from './fleet.js';

const text = (result: CallToolResult) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const { protocol, era } of PROTOCOLS)
  describe(`FleetClient against a real gateway (${protocol})`, () => {
    let fleet: TestFleet;
    before(async () => {
      fleet = await startTestFleet();
    });
    after(async () => {
      await fleet?.close();
    });

    it('connects over every edge the gateway has, and calls a tool on each', async () => {
      const ws = fleet.http.replace('http://', 'ws://');
      for (const url of [`${fleet.http}/mcp`, `${fleet.http}/sse`, `${ws}/ws`, `grpc://${fleet.grpc}`]) {
        const client = await FleetClient.connect({ url, protocol });
        try {
          // The legacy HTTP+SSE edge is a 2025 transport whatever the client prefers.
          assert.equal(client.protocolEra, url.endsWith('/sse') ? 'legacy' : era, url);
          assert.ok(
            (await client.listTools()).some((t) => t.name === 'ev_echo'),
            url,
          );
          assert.equal(text(await client.callTool('ev_echo', { text: `over ${url}` })), `over ${url}`);
          await client.ping();
        } finally {
          await client.close();
        }
      }
    });

    it('caches the tools list for its TTL, and drops it as soon as the gateway says the list changed', async () => {
      const client = await FleetClient.connect({
        url: `${fleet.http}/mcp`,
        protocol,
        toolCacheTtlMs: 60_000,
      });
      const short = await FleetClient.connect({ url: `${fleet.http}/mcp`, protocol, toolCacheTtlMs: 50 });
      try {
        const first = await client.listTools();
        assert.equal(await client.listTools(), first, 'the same list while fresh');
        const list = await short.listTools();
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.notEqual(await short.listTools(), list, 'fetched again once stale');

        fleet.provider.child.kill('SIGKILL');
        await eventually(
          'ev_echo gone from the cached list',
          async () => !(await client.listTools()).some((t) => t.name === 'ev_echo'),
        );
        fleet.restartProvider();
        await eventually('ev_echo back', async () =>
          (await client.listTools()).some((t) => t.name === 'ev_echo'),
        );
      } finally {
        await client.close();
        await short.close();
      }
    });

    it('a per-call timeout ends the call and is not retried', async () => {
      const retries: unknown[] = [];
      const client = await FleetClient.connect({
        url: `${fleet.http}/mcp`,
        protocol,
        onRetry: (r) => retries.push(r),
      });
      try {
        await assert.rejects(
          client.callTool('ev_test_tool_with_logging', {}, { timeoutMs: 20 }),
          /timed out/i,
        );
        assert.deepEqual(retries, []);
      } finally {
        await client.close();
      }
    });
  });

describe('FleetClient retries what is worth retrying', () => {
  for (const { protocol } of PROTOCOLS)
    it(`429 from the rate limit: waits as long as Retry-After says, then succeeds (${protocol})`, async () => {
      const fleet = await startTestFleet({
        policy: 'roles:\n  local:\n    tools: { allow: ["*"] }\n    rateLimit: { perSecond: 1, burst: 1 }\n',
      });
      const retries: { delayMs: number; error: unknown }[] = [];
      const client = await FleetClient.connect({
        url: `${fleet.http}/mcp`,
        protocol,
        onRetry: (r) => retries.push(r),
      });
      try {
        await client.callTool('ev_echo', { text: 'first' });
        const started = Date.now();
        assert.equal(text(await client.callTool('ev_echo', { text: 'second' })), 'second');
        assert.ok(retries.length >= 1);
        assert.ok(retries[0]?.error instanceof RefusedForNow && retries[0].error.status === 429);
        assert.ok((retries[0]?.delayMs ?? 0) >= 900, `waited for Retry-After: ${retries[0]?.delayMs}`);
        assert.ok(Date.now() - started >= 800, 'the wait was real');

        // A Retry-After beyond what the caller will wait is returned at once, as an error.
        const impatient = await FleetClient.connect({
          url: `${fleet.http}/mcp`,
          protocol,
          retry: { maxRetryAfterMs: 100 },
        });
        try {
          await impatient.callTool('ev_echo', { text: 'a' }).catch(() => undefined);
          await assert.rejects(
            impatient.callTool('ev_echo', { text: 'b' }),
            (err: unknown) => err instanceof RefusedForNow,
          );
        } finally {
          await impatient.close();
        }
      } finally {
        await client.close();
        await fleet.close();
      }
    });

  it('503 while Redis is down, then a lost session: retries, opens a new session, succeeds', async () => {
    const port = await freePort();
    const redis = (): ChildProcess =>
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
    let server = redis();
    const fleet = await startTestFleet({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    const retries: { error: unknown }[] = [];
    // Sessions are a 2025 thing: a 2026 client has none for Redis to keep or lose.
    const options = {
      url: `${fleet.http}/mcp`,
      protocol: 'legacy' as const,
      retry: { attempts: 30, baseMs: 100, maxMs: 500 },
      onRetry: (r: { error: unknown }) => retries.push(r),
    };
    const client = await FleetClient.connect(options);
    let late: FleetClient | undefined;
    try {
      assert.equal(text(await client.callTool('ev_echo', { text: 'before' })), 'before');
      server.kill('SIGKILL');
      await new Promise((resolve) => server.once('exit', resolve));
      // A new session cannot be stored while Redis is away: 503 + Retry-After, retried until it is back.
      const connecting = FleetClient.connect(options);
      await eventually('a 503 retry', async () =>
        retries.some((r) => r.error instanceof RefusedForNow && r.error.status === 503),
      );
      server = redis();
      late = await connecting;
      assert.equal(text(await late.callTool('ev_echo', { text: 'late' })), 'late');
      // Redis came back empty: the first session is gone; the client opens a new one and goes on.
      await eventually('the lost session replaced', async () => {
        assert.equal(text(await client.callTool('ev_echo', { text: 'after' })), 'after');
        return retries.some((r) => /Session not found/.test((r.error as Error).message));
      });
    } finally {
      await client.close().catch(() => undefined);
      await late?.close().catch(() => undefined);
      await fleet.close();
      server.kill('SIGKILL');
    }
  });
});
