import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@mcp-fleet/sdk/testing';
import type { Redis } from 'ioredis';

/** The shared test Redis; a test that needs it fails loudly without it. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests with `make test` (scripts/test-env.sh up)');
  return url;
}

/** A Redis of the test's own (loopback, no persistence), so stopping it disturbs no other test. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  child.on('error', (err) => {
    throw new Error(`redis-server could not start (is it installed? make test installs it): ${err.message}`);
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  for (let i = 0; i < 100 && !output.includes('Ready to accept connections'); i++) await sleep(50);
  if (!output.includes('Ready to accept connections'))
    throw new Error(`redis-server did not start:\n${output}`);
  return child;
}

/**
 * The commands Redis ran while `work` ran (each as its arguments), as a MONITOR connection of
 * their own reports them. That connection reports in the order Redis ran them but lags the one
 * `work` used: they are read only once it reported a marker sent after `work`.
 */
export async function commandsDuring(redis: Redis, work: () => Promise<unknown>): Promise<string[][]> {
  const marker = `monitor-end:${randomBytes(6).toString('hex')}`;
  const monitor = await redis.monitor();
  const ran: string[][] = [];
  let ended = false;
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.includes(marker)) ended = true;
    else if (!ended) ran.push(args.map(String));
  });
  try {
    await work();
    await redis.echo(marker);
    await waitFor(() => ended, 'the Redis monitor to report the marker');
    return ran;
  } finally {
    monitor.disconnect();
  }
}
