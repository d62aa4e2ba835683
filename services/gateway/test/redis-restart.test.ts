import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { definitions } from '@mcp-fleet/provider-everything';
import { freePort, type ProviderProcess, waitFor } from '@mcp-fleet/sdk/testing';
import { type GatewayProcesses, startGatewayProcesses } from './gateway-processes.js';
import { startRedis } from './redis-support.js';
import { type Fleet, initialize, post, startFleet } from './support.js';

describe('Redis restarted during a session', () => {
  let fleet: Fleet;
  let redis: ChildProcess;
  let port: number;

  before(async () => {
    port = await freePort();
    redis = await startRedis(port);
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }], {
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
  });
  after(async () => {
    await fleet.close();
    redis.kill('SIGKILL');
  });

  const ping = (session: string) =>
    post(fleet.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': session });

  it('while Redis is down: 503 with Retry-After, and readiness fails; after a restart without persistence: 404, re-initialise works', async () => {
    const session = await initialize(fleet.url);
    assert.equal((await ping(session)).status, 200);

    redis.kill('SIGKILL');
    await once(redis, 'exit');
    const fresh = await post(fleet.url, {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    });
    assert.equal(fresh.status, 503, fresh.text);
    assert.equal(fresh.headers.get('retry-after'), '1');
    assert.equal((fresh.json?.error as { code: number }).code, -32003);
    const ready = await fetch(fleet.url.replace('/mcp', '/readyz'));
    assert.equal(ready.status, 503);

    redis = await startRedis(port);
    let status = 0;
    for (let i = 0; i < 100 && status !== 404; i++) {
      status = (await ping(session)).status;
      if (status !== 404) await sleep(50);
    }
    assert.equal(status, 404, 'the session did not survive: the client is told to initialise again');
    const again = await initialize(fleet.url);
    assert.equal((await ping(again)).status, 200);
    assert.equal((await fetch(fleet.url.replace('/mcp', '/readyz'))).status, 200);
  });
});

describe('Redis gone while a gateway process holds a cached session', () => {
  let fleet: GatewayProcesses;
  let redis: ChildProcess;

  before(async () => {
    const port = await freePort();
    redis = await startRedis(port);
    // A short idle TTL: the cached copy's expiry is refreshed in the background after ttl/20.
    fleet = await startGatewayProcesses(1, {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      MCPFLEET_SESSION_TTL: '2s',
    });
  });
  after(async () => {
    await fleet.close();
    redis.kill('SIGKILL');
  });

  it('the background refresh of the session expiry fails: logged, and the process keeps serving', async () => {
    const url = `${fleet.replicas[0]?.base}/mcp`;
    const gateway = fleet.replicas[0]?.process as ProviderProcess;
    const session = await initialize(url);
    const ping = () => post(url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': session });
    assert.equal((await ping()).status, 200);
    redis.kill('SIGKILL');
    await once(redis, 'exit');
    await sleep(150);
    assert.equal((await ping()).status, 200, 'served from the cached copy');
    await waitFor(
      () => gateway.output().includes('cannot refresh a session expiry') || gateway.child.exitCode !== null,
      'the failed refresh to be logged',
      10_000,
    );
    await fleet.assertAlive();
  });
});
