import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Shutdown } from '../src/shutdown.js';
import { exerciseListeners } from '../src/testing.js';

describe('Shutdown', () => {
  it('tells every listener once, skips one removed meanwhile, and runs the rest when one throws', async () => {
    const shutdown = new Shutdown();
    const { heard, thrown } = await exerciseListeners(
      (listener) => shutdown.onShutdown(listener),
      () => shutdown.trigger(),
    );
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
