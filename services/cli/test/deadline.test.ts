import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { Deadline } from '../src/deadline.js';

const timedOut = (err: unknown) => err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout;

describe('Deadline', () => {
  it('starts no attempt once it is spent: nothing is sent, and no failure of it goes unhandled', async () => {
    const deadline = new Deadline(1);
    await sleep(5);
    let started = false;
    await assert.rejects(
      deadline.bound(async () => {
        started = true;
        throw new TypeError('fetch failed');
      }),
      timedOut,
    );
    assert.equal(started, false);
  });

  it('ends an attempt that outlives it with the timeout error, and hands on one that finishes', async () => {
    assert.equal(await new Deadline(1_000).bound(async () => 'answer'), 'answer');
    await assert.rejects(
      new Deadline(20).bound(() => sleep(200)),
      timedOut,
    );
  });
});
