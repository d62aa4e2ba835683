import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createProviderClient } from '@mcp-fleet/contract';
import {
  checkHealth,
  deferred,
  freePort,
  openCall,
  resultOf,
  runCall,
  spawnProvider,
  toolCall,
  waitFor,
} from '@mcp-fleet/sdk/testing';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

describe('everything provider process', () => {
  it('serves, turns NOT_SERVING on SIGTERM, finishes the in-flight call, and exits 0', async () => {
    const port = await freePort();
    const target = `127.0.0.1:${port}`;
    const metricsPort = await freePort();
    const { child, output, exited } = spawnProvider(MAIN, ['--listen', target, '--insecure-no-identity'], {
      MCPFLEET_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
    });
    await waitFor(() => output().includes('serving'), 'the provider to listen');
    assert.equal(await checkHealth(target, ''), 'SERVING');
    const client = createProviderClient(target);
    assert.deepEqual(resultOf(await runCall(client, toolCall('echo', { text: 'up' }))), {
      content: [{ type: 'text', text: 'up' }],
    });
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(
      metrics,
      /mcpfleet_provider_calls_total\{method="tools\/call",target="echo",outcome="ok"\} 1/,
    );
    assert.match(metrics, /mcpfleet_provider_call_duration_seconds_bucket/);

    // test_sampling stays in flight until this client answers its sampling request.
    const asked = deferred<{ id: number }>();
    const { stream, done } = openCall(
      client,
      toolCall('test_sampling', { prompt: 'p' }, { capabilities: { sampling: {} } }),
      {
        onFrame(frame) {
          if (frame.frame === 'request' && frame.request) asked.resolve({ id: frame.request.id });
          if (frame.frame === 'result') stream.end();
        },
      },
    );
    const { id } = await asked.promise;
    child.kill('SIGTERM');
    await waitFor(() => output().includes('draining'), 'drain to start');
    assert.equal(await checkHealth(target, ''), 'NOT_SERVING');
    const answer = { role: 'assistant', content: { type: 'text', text: 'bye' }, model: 'm' };
    stream.write({ response: { id, resultJson: Buffer.from(JSON.stringify(answer)) } });
    assert.deepEqual(resultOf(await done), { content: [{ type: 'text', text: 'LLM response: bye' }] });
    assert.equal(await exited, 0, output());
    client.close();
  });

  it('refuses to start with a clear message naming a bad value', async () => {
    const { output, exited } = spawnProvider(MAIN, ['--listen', 'nowhere']);
    assert.equal(await exited, 2);
    assert.match(output(), /invalid configuration:\s+--listen="nowhere": expected host:port/);
  });

  it('refuses to start without identity keys unless explicitly insecure', async () => {
    const { output, exited } = spawnProvider(MAIN, ['--listen', `127.0.0.1:${await freePort()}`]);
    assert.equal(await exited, 2);
    assert.match(output(), /no MCPFLEET_IDENTITY_JWKS/);
  });
});
