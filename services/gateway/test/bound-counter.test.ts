import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { BoundCounter } from '../src/telemetry/bound-counter.js';

describe('a bound counter', () => {
  it('exposes what a prom-client counter counting the same would, scrape after scrape', async () => {
    const bound = new Registry();
    const plain = new Registry();
    const config = { name: 'calls_total', help: 'calls', labelNames: ['method', 'outcome'] as const };
    const counter = new BoundCounter({ ...config, registers: [bound] });
    const reference = new Counter({ ...config, registers: [plain] });
    const ok = counter.series('call', 'ok', { method: 'call', outcome: 'ok' });
    counter.series('call', 'never', { method: 'call', outcome: 'never' });
    for (let i = 0; i < 3; i++) {
      ok.inc();
      reference.inc({ method: 'call', outcome: 'ok' });
    }
    counter.inc('list', '-32600', { method: 'list', outcome: '-32600' });
    reference.inc({ method: 'list', outcome: '-32600' });
    assert.equal(await bound.metrics(), await plain.metrics());
    assert.equal(await bound.metrics(), await plain.metrics(), 'a second scrape counts nothing twice');
    assert.match(await bound.metrics(), /calls_total\{method="call",outcome="ok"\} 3/);
    assert.doesNotMatch(await bound.metrics(), /never/, 'a series bound but never counted is not shown');
  });
});
