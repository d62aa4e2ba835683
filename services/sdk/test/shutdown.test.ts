import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Shutdown } from '../src/shutdown.js';
import { uncaughtDuring } from '../src/testing.js';

describe('Shutdown', () => {
  it('tells every listener once, skips one removed meanwhile, and runs the rest when one throws', async () => {
    const shutdown = new Shutdown();
    const heard: string[] = [];
    let removeLater = () => {};
    shutdown.onShutdown(() => {
      heard.push('first');
      removeLater();
    });
    shutdown.onShutdown(() => {
      throw new Error('a listener failed');
    });
    removeLater = shutdown.onShutdown(() => heard.push('removed by the first'));
    const removed = shutdown.onShutdown(() => heard.push('removed before'));
    shutdown.onShutdown(() => heard.push('last'));
    removed();
    const thrown = await uncaughtDuring(() => {
      shutdown.trigger();
      shutdown.trigger();
    });
    assert.deepEqual(heard, ['first', 'last']);
    assert.equal((thrown[0] as Error)?.message, 'a listener failed');
  });

  it('never calls a listener added after it was triggered', () => {
    const shutdown = new Shutdown();
    shutdown.trigger();
    let called = false;
    shutdown.onShutdown(() => {
      called = true;
    })();
    assert.equal(called, false);
  });
});
