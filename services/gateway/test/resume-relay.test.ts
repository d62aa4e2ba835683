import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ResumeRelay } from '../src/input-required/resume-relay.js';
import type { JsonObject } from '../src/protocol/messages.js';
import { MemoryBus } from '../src/session/memory.js';

describe('passing a retry to the replica holding its call', () => {
  it('does not pass a retry whose client already left: refused, nothing published', async () => {
    const bus = new MemoryBus(pino({ level: 'silent' }));
    const published: JsonObject[] = [];
    await bus.subscribe('mcpfleet:input-required:elsewhere', (payload) => {
      published.push(payload);
    });
    const relay = new ResumeRelay(bus, () => Promise.reject(new Error('not served here')));
    const resumption = { call: 'c', round: 1, principal: 'p', responses: {}, progressToken: undefined };
    await assert.rejects(
      relay.pass('elsewhere', resumption, () => {}, AbortSignal.abort(new Error('client left'))),
      /the request was cancelled/,
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(published, [], 'nothing reached the other replica');
  });
});
