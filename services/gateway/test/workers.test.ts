import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { spawnProvider, waitFor } from '@mcp-fleet/sdk/testing';
import { GATEWAY, type GatewayProcesses, startGatewayProcesses } from './gateway-processes.js';
import { redisUrl } from './redis-support.js';
import { initialize, MCP_HEADERS } from './support.js';

/** One POST, on a connection of its own unless `agent` keeps some: the primary hands each connection to a worker in turn. */
function postAlone(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  agent: Agent | false = false,
) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const sent = request(
      url,
      { method: 'POST', agent, headers: { ...MCP_HEADERS, ...headers } },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    sent.on('error', reject);
    sent.end(JSON.stringify(body));
  });
}

/** The pids of the workers that said they serve, in order. */
const servingPids = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.includes('"gateway serving"'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a gateway of two workers (MCPFLEET_GATEWAY_WORKERS=2)', () => {
  let fleet: GatewayProcesses;
  let url: string;
  let session: Record<string, string>;

  before(async () => {
    // The provider starts after the gateway (it reads the JWKS the gateway writes), and a worker
    // listens only once its providers answered or the start-up timeout passed: a short one here.
    fleet = await startGatewayProcesses(1, {
      REDIS_URL: redisUrl(),
      MCPFLEET_GATEWAY_WORKERS: '2',
      MCPFLEET_READY_TIMEOUT: '1s',
    });
    const { process } = fleet.replicas[0] as (typeof fleet.replicas)[number];
    const count = (text: string) => process.output().split(text).length - 1;
    await waitFor(() => servingPids(process.output()).length === 2, 'both workers to serve', 30_000);
    await waitFor(() => count('provider up') === 2, 'both workers to reach the provider', 30_000);
    url = `${fleet.replicas[0]?.base}/mcp`;
    const init = await initialize(url);
    session = { 'mcp-session-id': init, 'mcp-protocol-version': '2025-11-25' };
  });
  after(() => fleet.close());

  const echo = (id: number) =>
    postAlone(
      url,
      {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: `call ${id}` } },
      },
      session,
    );

  it('a session opened on one worker is served by both, call after call on fresh connections', async () => {
    for (let id = 1; id <= 40; id++) {
      const { status, text } = await echo(id);
      assert.equal(status, 200, text);
      assert.match(text, new RegExp(`call ${id}`));
    }
  });

  it('/metrics shows the pod: counters summed over the workers, a provider up once', async () => {
    const metrics = await (await fetch(`${fleet.replicas[0]?.base}/metrics`)).text();
    const calls = metrics.match(/^mcpfleet_requests_total\{method="tools\/call",outcome="ok"\} (\d+)$/m);
    assert.equal(Number(calls?.[1]), 40, metrics);
    assert.match(metrics, /^mcpfleet_provider_up\{provider="everything"\} 1$/m);
  });

  it('a worker that dies is replaced, and the session goes on', async () => {
    const { process } = fleet.replicas[0] as (typeof fleet.replicas)[number];
    const [first] = servingPids(process.output());
    assert.ok(first);
    globalThis.process.kill(first, 'SIGKILL');
    await waitFor(() => servingPids(process.output()).length === 3, 'a new worker to serve', 30_000);
    assert.match(process.output(), /gateway worker exited: starting another/);
    for (let id = 41; id <= 50; id++) assert.equal((await echo(id)).status, 200);
  });

  it('SIGTERM drains every worker, and the primary exits 0 after them', async () => {
    const { process } = fleet.replicas[0] as (typeof fleet.replicas)[number];
    const pids = servingPids(process.output()).filter(alive);
    assert.equal(pids.length, 2);
    process.child.kill('SIGTERM');
    assert.equal(await process.exited, 0, process.output());
    for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} outlived its primary`);
  });
});

describe('gateway workers without Redis or a shared signing key', () => {
  // Each worker would keep its own sessions, or sign provider tokens with a key of its own.
  for (const [what, env] of [
    ['without Redis', { MCPFLEET_IDENTITY_KEY: '/dev/null' }],
    ['without MCPFLEET_IDENTITY_KEY', { REDIS_URL: 'redis://127.0.0.1:1' }],
  ] as const)
    it(`refuse to start ${what}: exit 2, naming both`, async () => {
      const gateway = spawnProvider(GATEWAY, [], {
        MCPFLEET_GATEWAY_WORKERS: '2',
        MCPFLEET_DISCOVERY: 'off',
        MCPFLEET_PROVIDERS_FILE: '/dev/null',
        ...env,
      });
      assert.equal(await gateway.exited, 2, gateway.output());
      assert.match(
        gateway.output(),
        /MCPFLEET_GATEWAY_WORKERS above 1 needs REDIS_URL and MCPFLEET_IDENTITY_KEY/,
      );
    });
});

describe('gateway workers auditing to stdout', () => {
  let fleet: GatewayProcesses;

  before(async () => {
    fleet = await startGatewayProcesses(1, {
      REDIS_URL: redisUrl(),
      MCPFLEET_GATEWAY_WORKERS: '2',
      MCPFLEET_READY_TIMEOUT: '1s',
      MCPFLEET_AUDIT_LOG: 'stdout',
    });
    const { process } = fleet.replicas[0] as (typeof fleet.replicas)[number];
    await waitFor(() => process.output().split('provider up').length - 1 === 2, 'both workers up', 30_000);
  });
  after(() => fleet.close());

  it('a reader that stalls gets every line whole: the workers never splice lines into each other', async () => {
    const { process, base } = fleet.replicas[0] as (typeof fleet.replicas)[number];
    const session = {
      'mcp-session-id': await initialize(`${base}/mcp`),
      'mcp-protocol-version': '2025-11-25',
    };
    // Many calls in flight on each worker: its audit batches outgrow what a pipe writes at once.
    // Below the session's 32 calls in flight per replica, however the connections fall.
    const agent = new Agent({ keepAlive: true, maxSockets: 30 });
    const call = (id: number) =>
      postAlone(
        `${base}/mcp`,
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } },
        session,
        agent,
      );
    const stdout = process.child.stdout as NonNullable<typeof process.child.stdout>;
    const stall = setInterval(() => (stdout.isPaused() ? stdout.resume() : stdout.pause()), 400);
    let next = 0;
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while (next < 12000) assert.equal((await call(next++)).status, 200);
      }),
    );
    clearInterval(stall);
    stdout.resume();
    agent.destroy();
    await waitFor(
      () => process.output().split('"audit":"call"').length - 1 >= 12000,
      'every call audited',
      30_000,
    );
    const bad = process
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter((line) => {
        try {
          JSON.parse(line);
          return false;
        } catch {
          return true;
        }
      });
    assert.deepEqual(bad, []);
  });
});
