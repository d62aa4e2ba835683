import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

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
