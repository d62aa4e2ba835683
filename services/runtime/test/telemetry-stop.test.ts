import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { it } from 'node:test';
import { ROOT_CONTEXT, startMcpSpan, startTelemetry } from '../src/telemetry.js';

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('stops cleanly when the collector is gone, and says the queued spans were lost', async () => {
  // The exporter reads its endpoint from the process's environment.
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    OTEL_TRACES_SAMPLER: 'always_on',
  };
  Object.assign(process.env, env);
  try {
    const stop = startTelemetry('stop-test', env);
    startMcpSpan('tools/call', { name: 'echo' }, ROOT_CONTEXT, {}).end();
    const warnings: string[] = [];
    const warn = (_fields: unknown, message?: string) => {
      warnings.push(message ?? '');
    };
    await stop({ warn } as never);
    assert.deepEqual(warnings, ['spans still queued at shutdown were not exported']);
  } finally {
    for (const key of Object.keys(env)) delete process.env[key];
  }
});
