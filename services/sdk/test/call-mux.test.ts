import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { MAX_BATCH_FRAMES } from '@mcp-fleet/contract';
import { CallAbortedError, defineTool } from '../src/index.js';
import {
  echoTool,
  gatedTool,
  resultOf,
  runCall,
  startProvider,
  type TestProvider,
  toolCall,
  waitFor,
} from '../src/testing.js';
import { muxEnd, muxResult, RawMux } from './mux-support.js';

const asker = defineTool({
  name: 'asker',
  description: 'Asks the user a question, reporting progress around it.',
  inputSchema: { type: 'object' },
  handler: async (_args, ctx) => {
    ctx.progress(1, 2, 'asking');
    const answer = await ctx.elicit({
      message: 'Name?',
      requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
    });
    return JSON.stringify(answer);
  },
});

const first = gatedTool('first');
const second = gatedTool('second');

const text = (outcome: Parameters<typeof muxResult>[0]) =>
  (muxResult(outcome).content as { text: string }[])[0]?.text;

describe('CallBatches: many calls on one stream', () => {
  let provider: TestProvider;
  before(async () => {
    provider = await startProvider([echoTool, asker, first.definition, second.definition], {
      maxCallsPerStream: 8,
    });
  });
  after(() => provider.close());

  it('runs every call of one message, and the answers of one turn come back together', async () => {
    const mux = new RawMux(provider.client);
    const ids = [1, 2, 3, 4, 5];
    const done = ids.map((id) => mux.expect(id));
    mux.send(
      ...ids.map((id) => ({
        callId: id,
        start: { request: toolCall('echo', { text: `batched ${id}` }).request ?? null },
      })),
    );
    assert.deepEqual(
      (await Promise.all(done)).map(text),
      ids.map((id) => `batched ${id}`),
    );
    assert.ok(mux.messages < ids.length, `${ids.length} answers came in ${mux.messages} messages`);
    mux.end();
  });

  it('answers interleaved calls as each finishes: a held call holds up none of the others', async () => {
    const gate = first.reset();
    const mux = new RawMux(provider.client);
    const held = mux.start(1, toolCall('first'));
    await gate.entered.promise;
    const quick = await Promise.all(
      [2, 3, 4, 5, 6].map((id) => mux.start(id, toolCall('echo', { text: `call ${id}` }))),
    );
    assert.deepEqual(
      quick.map(text),
      [2, 3, 4, 5, 6].map((id) => `call ${id}`),
    );
    gate.release.resolve();
    assert.equal(text(await held), 'released');
    mux.end();
    assert.equal((await mux.status).code, grpc.status.OK);
  });

  it('cancels one call while the others on the stream go on', async () => {
    const one = first.reset();
    const two = second.reset();
    const mux = new RawMux(provider.client);
    const cancelled = mux.start(1, toolCall('first'));
    const kept = mux.start(2, toolCall('second'));
    await Promise.all([one.entered.promise, two.entered.promise]);
    mux.send({ callId: 1, cancel: { reason: 'user pressed stop' } });
    assert.equal(muxEnd(await cancelled).code, grpc.status.CANCELLED);
    const reason = await one.aborted.promise;
    assert.ok(reason instanceof CallAbortedError && reason.kind === 'cancelled');
    assert.equal(text(await mux.start(3, toolCall('echo', { text: 'still here' }))), 'still here');
    two.release.resolve();
    assert.equal(text(await kept), 'released');
    mux.end();
  });

  it("one call's deadline aborts its handler with the deadline as cause, and only that call", async () => {
    const one = first.reset();
    const two = second.reset();
    const mux = new RawMux(provider.client);
    const late = mux.start(1, toolCall('first'), { timeoutMs: 200 });
    const kept = mux.start(2, toolCall('second'));
    assert.equal(muxEnd(await late).code, grpc.status.DEADLINE_EXCEEDED);
    const reason = await one.aborted.promise;
    assert.ok(reason instanceof CallAbortedError && reason.kind === 'deadline');
    await two.entered.promise;
    two.release.resolve();
    assert.equal(text(await kept), 'released');
    mux.end();
  });

  it('relays progress and an elicitation round trip per call', async () => {
    const mux = new RawMux(provider.client);
    const outcome = await mux.start(
      7,
      toolCall('asker', {}, { capabilities: { elicitation: {} }, meta: { progressToken: 'p' } }),
      {
        onFrame: (frame, stream) => {
          if (frame.frame !== 'request' || !frame.request) return;
          assert.equal(frame.request.method, 'elicitation/create');
          const answer = { action: 'accept', content: { name: 'Ada' } };
          stream.send({
            callId: 7,
            response: { id: frame.request.id, resultJson: Buffer.from(JSON.stringify(answer)) },
          });
        },
      },
    );
    assert.deepEqual(
      outcome.frames.map((f) => f.frame),
      ['progress', 'request', 'result'],
    );
    assert.ok(outcome.frames.every((f) => f.callId === 7));
    assert.deepEqual(JSON.parse(text(outcome) ?? ''), { action: 'accept', content: { name: 'Ada' } });
    mux.end();
  });

  it('refuses calls beyond the per-stream limit with RESOURCE_EXHAUSTED, and takes them again once below it', async () => {
    const gate = first.reset();
    const mux = new RawMux(provider.client);
    const held = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => mux.start(id, toolCall('first')));
    await waitFor(() => gate.calls === 8, 'eight calls running');
    const refused = await mux.start(9, toolCall('echo', { text: 'one too many' }));
    assert.equal(muxEnd(refused).code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(gate.calls, 8);
    gate.release.resolve();
    await Promise.all(held);
    assert.equal(text(await mux.start(10, toolCall('echo', { text: 'room again' }))), 'room again');
    mux.end();
  });

  it('the old per-call Call keeps working beside the mux', async () => {
    const outcome = await runCall(provider.client, toolCall('echo', { text: 'per call' }));
    assert.deepEqual(resultOf(outcome), { content: [{ type: 'text', text: 'per call' }] });
  });
});

describe('CallBatches: malformed frames', () => {
  let provider: TestProvider;
  before(async () => {
    provider = await startProvider([echoTool, first.definition]);
  });
  after(() => provider.close());

  const stillServing = async () => {
    const mux = new RawMux(provider.client);
    assert.equal(text(await mux.start(1, toolCall('echo', { text: 'alive' }))), 'alive');
    mux.end();
  };

  const streamFaults: [string, (mux: RawMux) => void, RegExp][] = [
    ['a frame without a call id', (mux) => mux.send({ cancel: { reason: 'x' } }), /call id above 0/],
    ['a frame with no content', (mux) => mux.send({ callId: 4 }), /empty CallBatches frame/],
    ['a message without frames', (mux) => mux.send(), /without frames/],
    [
      'a message of more frames than a batch may hold',
      (mux) =>
        mux.send(
          ...Array.from({ length: MAX_BATCH_FRAMES + 1 }, () => ({ callId: 99, cancel: { reason: 'x' } })),
        ),
      /more than 1024 frames/,
    ],
  ];
  for (const [what, send, details] of streamFaults) {
    it(`${what} ends the stream with INVALID_ARGUMENT, and the provider keeps serving`, async () => {
      const mux = new RawMux(provider.client);
      send(mux);
      const status = await mux.status;
      assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
      assert.match(status.details, details);
      await stillServing();
    });
  }

  it('a message of a million empty frames is refused before it is decoded: INVALID_ARGUMENT, and the provider keeps serving', async () => {
    // Sent as raw bytes (tag 0x0a, length 0 per frame): 2 MiB on the wire, a million objects decoded.
    const raw = new grpc.Client(provider.target, grpc.credentials.createInsecure());
    try {
      const stream = raw.makeBidiStreamRequest(
        '/mcpfleet.provider.v1.ToolProvider/CallBatches',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
      );
      stream.on('error', () => {});
      const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
      stream.write(Buffer.alloc(2 * 1024 * 1024, Buffer.from([0x0a, 0x00])));
      const ended = await status;
      assert.equal(ended.code, grpc.status.INVALID_ARGUMENT);
      assert.match(ended.details, /more than 1024 frames/);
    } finally {
      raw.close();
    }
    await stillServing();
  });

  it('a second start for a call id in flight ends the stream and aborts its calls', async () => {
    const gate = first.reset();
    const mux = new RawMux(provider.client);
    void mux.start(1, toolCall('first'));
    await gate.entered.promise;
    mux.send({ callId: 1, start: { request: toolCall('echo', { text: 'x' }).request ?? null } });
    const status = await mux.status;
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(status.details, /already in flight/);
    assert.ok((await gate.aborted.promise) instanceof CallAbortedError);
    await stillServing();
  });

  it('a start without a request, or with bad params, fails that call only', async () => {
    const mux = new RawMux(provider.client);
    const empty = mux.expect(1);
    mux.send({ callId: 1, start: { identityToken: '' } });
    const badJson = mux.start(2, { request: { method: 'tools/call', paramsJson: Buffer.from('{"name":') } });
    const fine = mux.start(3, toolCall('echo', { text: 'unharmed' }));
    assert.equal(muxEnd(await empty).code, grpc.status.INVALID_ARGUMENT);
    const bad = muxEnd(await badJson);
    assert.equal(bad.code, grpc.status.INVALID_ARGUMENT);
    assert.match(bad.details, /params_json is not valid JSON/);
    assert.equal(text(await fine), 'unharmed');
    mux.end();
  });

  it('a start whose token or trace headers gRPC metadata cannot carry runs as one without them; the provider lives', async () => {
    const mux = new RawMux(provider.client);
    const outcomes = await Promise.all([
      mux.start(1, toolCall('echo', { text: 'token' }), { token: 'x\ny' }),
      mux.start(2, toolCall('echo', { text: 'trace' }), { traceparent: 'a\nb' }),
    ]);
    // The test provider takes calls without a token: each runs, untraced.
    assert.deepEqual(outcomes.map(text), ['token', 'trace']);
    mux.end();
    await stillServing();
  });

  it('frames for unknown call ids and answers to unknown requests are ignored or fail only their call', async () => {
    const gate = first.reset();
    const mux = new RawMux(provider.client);
    mux.send({ callId: 77, cancel: { reason: 'nothing there' } });
    mux.send({ callId: 78, response: { id: 1, resultJson: Buffer.from('{}') } });
    const held = mux.start(1, toolCall('first'));
    await gate.entered.promise;
    mux.send({ callId: 1, response: { id: 9, resultJson: Buffer.from('{}') } });
    const outcome = muxEnd(await held);
    assert.equal(outcome.code, grpc.status.INVALID_ARGUMENT);
    assert.match(outcome.details, /unknown request id 9/);
    assert.equal(text(await mux.start(2, toolCall('echo', { text: 'next' }))), 'next');
    mux.end();
    assert.equal((await mux.status).code, grpc.status.OK);
  });
});

describe('CallBatches: drain', () => {
  it('lets in-flight calls finish, refuses new ones with UNAVAILABLE, then ends the stream', async () => {
    const gate = first.reset();
    const provider = await startProvider([echoTool, first.definition], { drainTimeoutMs: 5_000 });
    const mux = new RawMux(provider.client);
    const inFlight = mux.start(1, toolCall('first'));
    await gate.entered.promise;
    const drained = provider.handle.drain();
    const refused = await mux.start(2, toolCall('echo', { text: 'too late' }));
    assert.equal(muxEnd(refused).code, grpc.status.UNAVAILABLE);
    gate.release.resolve();
    assert.equal(text(await inFlight), 'released');
    assert.equal((await mux.status).code, grpc.status.OK);
    await drained;
    provider.client.close();
  });
});
