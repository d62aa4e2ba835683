import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CallAbortedError, PROVIDER_SERVICE } from '../src/index.js';
import {
  checkHealth,
  gatedTool,
  openCall,
  resultOf,
  runCall,
  startProvider,
  toolCall,
} from '../src/testing.js';

const gated = gatedTool('gated');

describe('health and drain', () => {
  it('reports SERVING, then NOT_SERVING during drain while an in-flight call finishes; new calls get UNAVAILABLE', async () => {
    const gate = gated.reset();
    const provider = await startProvider([gated.definition], { drainTimeoutMs: 10_000 });
    assert.equal(await checkHealth(provider.target, ''), 'SERVING');
    assert.equal(await checkHealth(provider.target, PROVIDER_SERVICE), 'SERVING');

    const { stream, done } = openCall(provider.client, toolCall('gated'));
    stream.end();
    await gate.entered.promise;
    const drained = provider.handle.drain();

    assert.equal(await checkHealth(provider.target, ''), 'NOT_SERVING');
    assert.equal(await checkHealth(provider.target, PROVIDER_SERVICE), 'NOT_SERVING');
    const refused = await runCall(provider.client, toolCall('gated'));
    assert.equal(refused.status.code, grpc.status.UNAVAILABLE);
    assert.match(refused.status.details, /draining/);

    gate.release.resolve();
    assert.deepEqual(resultOf(await done), { content: [{ type: 'text', text: 'released' }] });
    await drained;
    provider.client.close();
  });

  it('aborts calls still running when the drain timeout passes', async () => {
    const gate = gated.reset();
    const provider = await startProvider([gated.definition], { drainTimeoutMs: 200 });
    const { stream, done } = openCall(provider.client, toolCall('gated'));
    stream.end();
    await gate.entered.promise;
    await provider.handle.drain();
    const reason = await gate.aborted.promise;
    assert.ok(reason instanceof CallAbortedError);
    assert.equal(reason.kind, 'shutdown');
    assert.equal((await done).status.code, grpc.status.UNAVAILABLE);
    provider.client.close();
  });
});
