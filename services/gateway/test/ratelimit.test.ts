import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool } from '@mcp-fleet/sdk';
import { freePort, gatedTool } from '@mcp-fleet/sdk/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { generateApiKey } from '../src/auth/api-keys.js';
import { ConcurrencyLimits } from '../src/ratelimit/concurrency.js';
import { MemoryLimiter } from '../src/ratelimit/memory-limiter.js';
import { RedisLimiter } from '../src/ratelimit/redis-limiter.js';
import { redisUrl, startRedis } from './redis-support.js';
import { type Fleet, post, startFleet } from './support.js';

describe('GCRA in memory', () => {
  it('admits the burst, then one call per interval, and says when to retry', async () => {
    let now = 1_000_000;
    const limiter = new MemoryLimiter(() => now);
    const keys = [{ key: 'k', limit: { perSecond: 2, burst: 3 } }];
    for (let i = 0; i < 3; i++)
      assert.equal((await limiter.spend(keys, [])).rate.allowed, true, `call ${i + 1}`);
    const { rate: refused } = await limiter.spend(keys, []);
    assert.deepEqual(refused, { allowed: false, retryAfterMs: 500, limit: 3, remaining: 0, resetMs: 1500 });
    now += 499;
    assert.equal((await limiter.spend(keys, [])).rate.allowed, false);
    now += 1;
    assert.equal((await limiter.spend(keys, [])).rate.allowed, true);
  });

  it('is all-or-nothing across keys: a refusal by one bucket consumes from none', async () => {
    const limiter = new MemoryLimiter(() => 5_000);
    const wide = { key: 'wide', limit: { perSecond: 1, burst: 10 } };
    const narrow = { key: 'narrow', limit: { perSecond: 1, burst: 1 } };
    assert.equal((await limiter.spend([wide, narrow], [])).rate.allowed, true);
    for (let i = 0; i < 3; i++) assert.equal((await limiter.spend([wide, narrow], [])).rate.allowed, false);
    assert.equal(
      (await limiter.spend([wide], [])).rate.remaining,
      8,
      'the refused calls took nothing from the wide bucket',
    );
  });
});

const echo = defineTool({
  name: 'echo',
  description: 'echo',
  inputSchema: { type: 'object' },
  handler: () => 'ok',
});
const other = defineTool({
  name: 'other',
  description: 'other',
  inputSchema: { type: 'object' },
  handler: () => 'ok',
});
const slow = gatedTool('slow');

describe('limits shared by two replicas through Redis', () => {
  let fleet: Fleet;
  let dir: string;
  const run = randomBytes(4).toString('hex');
  const keys = {
    rate: generateApiKey(`rate-${run}`),
    tool: generateApiKey(`tool-${run}`),
    quota: generateApiKey(`quota-${run}`),
    free: generateApiKey(`free-${run}`),
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-limits-'));
    const entry = (id: string, hash: string, role: string) =>
      `  - { id: ${id}, hash: "${hash}", subject: ${id}, roles: [${role}] }`;
    await writeFile(
      join(dir, 'auth.yaml'),
      [
        'apiKeys:',
        entry(`rate-${run}`, keys.rate.hash, 'rated'),
        entry(`tool-${run}`, keys.tool.hash, 'per_tool'),
        entry(`quota-${run}`, keys.quota.hash, 'quoted'),
        entry(`free-${run}`, keys.free.hash, 'free'),
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'policy.yaml'),
      `roles:
  rated: { tools: { allow: ["*"] }, rateLimit: { perSecond: 0.2, burst: 5 } }
  per_tool: { tools: { allow: ["*"] }, toolRateLimit: { perSecond: 0.2, burst: 2 } }
  quoted: { tools: { allow: ["*"] }, quota: { perHour: 3, perDay: 100 } }
  free: { tools: { allow: ["*"] } }
`,
    );
    fleet = await startFleet(
      [{ name: 'lab', definitions: [echo, other, slow.definition] }],
      {
        REDIS_URL: redisUrl(),
        MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
        MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
        MCPFLEET_MAX_CONCURRENT_PER_SESSION: '1',
      },
      [],
      2,
    );
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (key: string) => {
    const init = await post(
      fleet.url,
      {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'l', version: '1' } },
      },
      { authorization: `Bearer ${key}` },
    );
    return { authorization: `Bearer ${key}`, 'mcp-session-id': init.headers.get('mcp-session-id') as string };
  };
  const call = (replica: number, headers: Record<string, string>, tool = 'lab_echo', id = 1) =>
    post(
      fleet.urls[replica % 2] as string,
      { jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: {} } },
      headers,
    );

  it('the N+1st call in a burst is refused, whichever replica each call hits', async () => {
    const headers = await open(keys.rate.key);
    for (let i = 0; i < 5; i++) {
      const ok = await call(i, headers);
      assert.equal(ok.status, 200, `call ${i + 1}: ${ok.text}`);
      assert.equal(ok.headers.get('ratelimit-limit'), '5');
      assert.equal(ok.headers.get('ratelimit-remaining'), String(4 - i));
    }
    const refused = await call(5, headers);
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 4 && retryAfter <= 5, `Retry-After ${retryAfter}`);
    assert.equal(refused.headers.get('ratelimit-remaining'), '0');
    const error = refused.json?.error as { code: number; data: { retryAfter: number } };
    assert.equal(error.code, -32005);
    assert.equal(error.data.retryAfter, retryAfter);
  });

  it('a per-tool limit leaves the caller other tools', async () => {
    const headers = await open(keys.tool.key);
    assert.equal((await call(0, headers)).status, 200);
    assert.equal((await call(1, headers)).status, 200);
    assert.equal((await call(0, headers)).status, 429);
    assert.equal((await call(1, headers, 'lab_other')).status, 200);
  });

  it('a quota counts calls across replicas and refuses the one past it until the window renews', async () => {
    const headers = await open(keys.quota.key);
    for (let i = 0; i < 3; i++) assert.equal((await call(i, headers)).status, 200);
    const refused = await call(3, headers);
    assert.equal(refused.status, 429);
    const error = refused.json?.error as {
      code: number;
      message: string;
      data: { window: string; limit: number; retryAfter: number };
    };
    assert.equal(error.code, -32006);
    assert.equal(error.data.window, 'hour');
    assert.equal(error.data.limit, 3);
    assert.ok(error.data.retryAfter > 0 && error.data.retryAfter <= 3600);
  });

  it('a session may have only so many calls in flight on a replica', async () => {
    const headers = await open(keys.free.key);
    const gate = slow.reset();
    const first = call(0, headers, 'lab_slow', 1);
    await gate.entered.promise;
    const second = await call(0, headers, 'lab_echo', 2);
    assert.equal(second.status, 429);
    assert.match(
      (second.json?.error as { message: string }).message,
      /Too many calls in flight for this session \(limit 1\)/,
    );
    gate.release.resolve();
    assert.equal((await first).status, 200);
    assert.equal((await call(0, headers, 'lab_echo', 3)).status, 200);
  });
});

describe('calls in flight', () => {
  it('a request that is its own session (2026-07-28) counts only for its caller, and gives its slot back', () => {
    const limits = new ConcurrencyLimits(1, 2);
    const first = limits.acquire(undefined, 'p');
    const second = limits.acquire(undefined, 'p');
    assert.equal(typeof first, 'function');
    assert.equal(typeof second, 'function');
    assert.deepEqual(limits.acquire(undefined, 'p'), { full: 'subject', limit: 2 });
    (first as () => void)();
    const third = limits.acquire('s', 'p');
    assert.equal(typeof third, 'function');
    assert.deepEqual(limits.acquire('s', 'q'), { full: 'session', limit: 1 });
    (second as () => void)();
    (third as () => void)();
    assert.equal(typeof limits.acquire('s', 'p'), 'function');
  });
});

describe('limits when Redis goes away', () => {
  it('rate limits fail open, quotas fail closed (defaults), each outage counted, and both recover', async () => {
    const port = await freePort();
    let server = await startRedis(port);
    const redis = new Redis(`redis://127.0.0.1:${port}`, {
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      retryStrategy: () => 100,
    });
    redis.on('error', () => {});
    const outages: string[] = [];
    const limiter = new RedisLimiter(
      redis,
      {
        rateFailOpen: true,
        quotaFailOpen: false,
        onOutage: (what, open) => outages.push(`${what}:${open ? 'open' : 'closed'}`),
      },
      pino({ level: 'silent' }),
    );
    const rate = [{ key: `r-${randomBytes(4).toString('hex')}`, limit: { perSecond: 1, burst: 1 } }];
    const quota = [{ key: `q-${randomBytes(4).toString('hex')}`, window: 'hour' as const, limit: 10 }];
    try {
      assert.equal((await limiter.spend(rate, [])).rate.allowed, true);
      assert.equal((await limiter.spend(rate, [])).rate.allowed, false, 'Redis enforces the limit');
      assert.equal((await limiter.spend([], quota)).quota?.allowed, true);

      server.kill('SIGKILL');
      await once(server, 'exit');
      const down = await limiter.spend(rate, quota);
      assert.equal(down.rate.allowed, true, 'fail-open: a rate limit lets the call through');
      assert.equal(down.quota?.allowed, false, 'fail-closed: a quota refuses the call');
      assert.deepEqual(outages, ['rate:open', 'quota:closed']);

      server = await startRedis(port);
      for (let i = 0; i < 50 && redis.status !== 'ready'; i++) await sleep(100);
      assert.equal(
        (await limiter.spend([], quota)).quota?.allowed,
        true,
        'quotas work again once Redis is back',
      );
    } finally {
      redis.disconnect();
      server.kill('SIGKILL');
    }
  });
});
