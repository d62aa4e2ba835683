import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as endOfTurn } from 'node:timers/promises';
import {
  approximateBytes,
  batchRefusal,
  FrameBatcher,
  MAX_BATCH_BYTES,
  MAX_BATCH_FRAMES,
} from '../src/frame-batch.js';

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

  it('weighs strings as UTF-8: a frame of 3-byte characters is not taken for a third of its size', () => {
    assert.ok(approximateBytes({ progress: { message: '中'.repeat(1000) } }) >= 3000);
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

describe('a batch counted before it is decoded', () => {
  const encoded = (frames: Buffer[]) =>
    Buffer.concat(frames.map((frame) => Buffer.concat([Buffer.from([0x0a, frame.length]), frame])));
  /** `count` empty frames: tag 0x0a, length 0. */
  const empty = (count: number) => Buffer.alloc(2 * count, Buffer.from([0x0a, 0x00]));

  it('admits 1 to MAX_BATCH_FRAMES frames, whatever they hold', () => {
    assert.equal(batchRefusal(empty(1)), undefined);
    assert.equal(batchRefusal(empty(MAX_BATCH_FRAMES)), undefined);
    assert.equal(batchRefusal(encoded([Buffer.from([0x08, 0x07]), Buffer.alloc(100, 1)])), undefined);
  });

  it('refuses a message without frames, and one of more than MAX_BATCH_FRAMES (2 bytes each)', () => {
    assert.match(batchRefusal(Buffer.alloc(0)) ?? '', /without frames/);
    assert.match(batchRefusal(empty(MAX_BATCH_FRAMES + 1)) ?? '', /more than 1024 frames/);
    // 16 MiB of empty frames: ~8 million objects had it been decoded first.
    assert.match(batchRefusal(empty(8 * 1024 * 1024)) ?? '', /more than 1024 frames/);
  });

  it('leaves a malformed message to the decoder (which refuses it)', () => {
    assert.equal(batchRefusal(Buffer.from([0x0b])), undefined, 'a group start');
  });
});
