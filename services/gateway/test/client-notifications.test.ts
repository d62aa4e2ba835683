import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readNotification } from '../src/protocol/client-notifications.js';

const cancelled = (params: Record<string, unknown>) =>
  readNotification({ jsonrpc: '2.0', method: 'notifications/cancelled', params } as never);

describe('client notifications read against their schema', () => {
  it('a cancellation keeps its id and at most 512 characters of its reason', () => {
    assert.deepEqual(cancelled({ requestId: 7, reason: 'stop' }), {
      notification: { method: 'notifications/cancelled', requestId: 7, reason: 'stop' },
    });
    const long = cancelled({ requestId: 'a', reason: 'x'.repeat(1_000_000) });
    assert.ok('notification' in long && long.notification.method === 'notifications/cancelled');
    assert.equal((long.notification as { reason?: string }).reason?.length, 512);
  });

  it('an object where an id or a reason belongs is malformed, an unknown method ignored', () => {
    assert.match(
      String((cancelled({ requestId: { toString: 1 } }) as { malformed: string }).malformed),
      /requestId/,
    );
    assert.match(
      String((cancelled({ requestId: 1, reason: {} }) as { malformed: string }).malformed),
      /reason/,
    );
    assert.deepEqual(readNotification({ jsonrpc: '2.0', method: 'notifications/whatever' } as never), {
      ignored: true,
    });
  });
});
