import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as endOfTurn } from 'node:timers/promises';
import { FrameBatcher, MAX_BATCH_BYTES, MAX_BATCH_FRAMES } from '../src/frame-batch.js';

type Frame = { callId: number; payload?: Buffer };

function recorder() {
  const sent: number[][] = [];
  const batcher = new FrameBatcher<Frame>((frames) => sent.push(frames.map((f) => f.callId)));
  return { sent, batcher };
}

describe('frames of one turn, one message', () => {
  it('sends the frames queued in one turn together, in order, once the turn is over', async () => {
    const { sent, batcher } = recorder();
    for (const callId of [1, 2, 3]) batcher.push({ callId });
    assert.deepEqual(sent, [], 'nothing leaves before the end of the turn');
    assert.equal(batcher.filling, true);
    await endOfTurn();
    assert.deepEqual(sent, [[1, 2, 3]]);
    assert.equal(batcher.filling, false);
    batcher.push({ callId: 4 });
    await endOfTurn();
    assert.deepEqual(sent, [[1, 2, 3], [4]], 'a lone frame of the next turn goes alone');
  });

  it('never lets a message pass MAX_BATCH_BYTES with more than one frame: big frames go on their own', async () => {
    const { sent, batcher } = recorder();
    const big = Buffer.alloc(Math.ceil(MAX_BATCH_BYTES * 0.6));
    batcher.push({ callId: 1, payload: big });
    batcher.push({ callId: 2, payload: big });
    batcher.push({ callId: 3 });
    batcher.push({ callId: 4, payload: big });
    assert.deepEqual(sent, [[1], [2, 3]], 'a batch left as soon as the next frame would pass the limit');
    await endOfTurn();
    assert.deepEqual(sent, [[1], [2, 3], [4]]);
  });

  it('never puts more than MAX_BATCH_FRAMES frames in a message', async () => {
    const { sent, batcher } = recorder();
    for (let callId = 1; callId <= MAX_BATCH_FRAMES + 1; callId++) batcher.push({ callId });
    await endOfTurn();
    assert.deepEqual(
      sent.map((frames) => frames.length),
      [MAX_BATCH_FRAMES, 1],
    );
  });

  it('flush sends what waits at once, and the end of the turn then sends nothing', async () => {
    const { sent, batcher } = recorder();
    batcher.push({ callId: 1 });
    batcher.flush();
    assert.deepEqual(sent, [[1]]);
    await endOfTurn();
    assert.deepEqual(sent, [[1]], 'no empty message');
  });
});
