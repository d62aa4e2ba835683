import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CallAbortedError, defineTool, PROVIDER_SERVICE } from '../src/index.js';
import {
  checkHealth,
  deferred,
  openCall,
  resultOf,
  runCall,
  startProvider,
  toolCall,
} from '../src/testing.js';

let gate = { entered: deferred<void>(), release: deferred<void>(), aborted: deferred<unknown>() };

const gated = defineTool({
  name: 'gated',
  description: 'Finishes when the test releases it, or when aborted.',
  inputSchema: { type: 'object' },
  handler: (_args, ctx) =>
    new Promise((resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        gate.aborted.resolve(ctx.signal.reason);
        reject(ctx.signal.reason);
      });
      gate.entered.resolve();
      void gate.release.promise.then(() => resolve('released'));
    }),
});

describe('health and drain', () => {
  it('reports SERVING, then NOT_SERVING during drain while an in-flight call finishes; new calls get UNAVAILABLE', async () => {
    gate = { entered: deferred(), release: deferred(), aborted: deferred() };
    const provider = await startProvider([gated], { drainTimeoutMs: 10_000 });
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
    gate = { entered: deferred(), release: deferred(), aborted: deferred() };
    const provider = await startProvider([gated], { drainTimeoutMs: 200 });
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
