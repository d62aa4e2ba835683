import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exerciseListeners } from '@mcp-fleet/sdk/testing';
import { abortingWith, Cancellation, followSignal } from '../src/engine/cancellation.js';
import { InflightRequests } from '../src/engine/inflight.js';

describe('a request cancellation', () => {
  it('calls each listener once on abort, with the reason kept, and none removed before it', () => {
    const cancellation = new Cancellation();
    const heard: string[] = [];
    cancellation.onAbort(() => heard.push('first'));
    const removed = cancellation.onAbort(() => heard.push('removed'));
    cancellation.onAbort(() => heard.push('second'));
    removed();
    const reason = new Error('client left');
    cancellation.abort(reason);
    cancellation.abort(new Error('again'));
    assert.deepEqual(heard, ['first', 'second']);
    assert.equal(cancellation.aborted, true);
    assert.equal(cancellation.reason, reason, 'the first abort wins');
  });

  it('skips a listener another removed while the abort ran, and runs the rest when one throws', async () => {
    const cancellation = new Cancellation();
    const { heard, thrown } = await exerciseListeners(
      (listener) => cancellation.onAbort(listener),
      () => cancellation.abort(new Error('gone')),
    );
    assert.deepEqual(heard, ['first', 'last']);
    assert.equal((thrown[0] as Error)?.message, 'a listener failed');
  });

  it('never calls a listener added after the abort, as an abort listener would not be', () => {
    const cancellation = new Cancellation();
    cancellation.abort(new Error('gone'));
    let called = false;
    cancellation.onAbort(() => {
      called = true;
    })();
    assert.equal(called, false);
  });

  it('makes its AbortSignal on first read: it aborts with it, or is aborted already when read late', () => {
    const early = new Cancellation();
    const signal = early.signal;
    assert.equal(signal.aborted, false);
    assert.equal(early.signal, signal, 'one signal per cancellation');
    early.abort(new Error('early'));
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as Error).message, 'early');
    const late = new Cancellation();
    late.abort(new Error('late'));
    assert.equal(late.signal.aborted, true);
    assert.equal((late.signal.reason as Error).message, 'late');
  });

  it('aborted with no reason, carries an AbortError, the same as its signal', () => {
    const cancellation = new Cancellation();
    cancellation.abort(undefined);
    assert.equal((cancellation.reason as DOMException).name, 'AbortError');
    assert.equal(cancellation.signal.reason, cancellation.reason);
  });

  it('follows a signal aborted before it was followed: aborted, its listeners never called', () => {
    const followed = followSignal(AbortSignal.abort(new Error('already')));
    let heard = 0;
    followed.onAbort(() => heard++);
    assert.equal(followed.aborted, true);
    assert.equal((followed.reason as Error).message, 'already');
    assert.equal(heard, 0);
  });

  it('follows an AbortSignal made elsewhere, listeners and all', () => {
    const controller = new AbortController();
    const followed = followSignal(controller.signal);
    let heard = 0;
    followed.onAbort(() => heard++);
    const removed = followed.onAbort(() => heard++);
    removed();
    controller.abort(new Error('deadline'));
    assert.equal(heard, 1);
    assert.equal(followed.aborted, true);
    assert.equal((followed.reason as Error).message, 'deadline');
    assert.equal(followed.signal, controller.signal);
  });

  it('is aborted through the abort given with it, which sees the same state', () => {
    const cancellation = new Cancellation();
    const reasons: unknown[] = [];
    const aborting = abortingWith(cancellation, (reason) => {
      reasons.push(reason);
      cancellation.abort(reason);
    });
    let heard = 0;
    aborting.onAbort(() => heard++);
    aborting.abort(new Error('own side'));
    assert.equal(heard, 1);
    assert.equal(reasons.length, 1);
    assert.equal(aborting.aborted, true);
    assert.equal(aborting.signal.aborted, true);
    assert.equal((aborting.reason as Error).message, 'own side');
  });
});

describe('the requests running on a replica', () => {
  it('keeps ids 1 and "1" of one session apart: each is counted, cancelled and ended on its own', () => {
    const inflight = new InflightRequests();
    const number = inflight.begin('session', 1);
    const text = inflight.begin('session', '1');
    const other = inflight.begin('another', 1);
    assert.equal(inflight.count, 3);
    inflight.abort('session', 1, 'stop');
    assert.equal(number.cancelled(), true);
    assert.equal(text.cancelled(), false);
    assert.equal(other.cancelled(), false);
    number.end();
    assert.equal(inflight.count, 2);
    inflight.abortSession('session');
    assert.equal(text.cancelled(), true);
    assert.equal(other.cancelled(), false);
  });
});
