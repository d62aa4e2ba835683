import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { defineTool } from '../src/index.js';
import {
  gatedTool,
  openCall,
  resultOf,
  runCall,
  startProvider,
  type TestProvider,
  toolCall,
} from '../src/testing.js';

const echo = defineTool<{ text: string }>({
  name: 'echo',
  description: 'Echo.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  handler: ({ text }) => text,
});

/** Sends raw bytes as Call messages, bypassing protobuf encoding, over a real HTTP/2 connection. */
function sendRawFrames(target: string, messages: Buffer[]): Promise<grpc.StatusObject> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const stream = client.makeBidiStreamRequest(
    '/mcpfleet.provider.v1.ToolProvider/Call',
    (bytes: Buffer) => bytes,
    (bytes: Buffer) => bytes,
    new grpc.Metadata(),
    { deadline: Date.now() + 5_000 },
  );
  return new Promise((resolve) => {
    stream.on('data', () => {});
    stream.on('error', () => {});
    stream.on('status', (status) => {
      client.close();
      resolve(status);
    });
    for (const message of messages) stream.write(message);
    stream.end();
  });
}

const wait = gatedTool('wait');

describe('malformed Call streams', () => {
  let provider: TestProvider;
  before(async () => {
    provider = await startProvider([echo, wait.definition]);
  });
  after(() => provider.close());

  const stillServing = async () => {
    const result = resultOf(await runCall(provider.client, toolCall('echo', { text: 'alive' })));
    assert.deepEqual(result, { content: [{ type: 'text', text: 'alive' }] });
  };

  it('bytes that are not a protobuf message get a gRPC error, and the provider keeps serving', async () => {
    const status = await sendRawFrames(provider.target, [Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])]);
    assert.equal(status.code, grpc.status.INTERNAL, status.details);
    assert.match(status.details, /deserializ/i);
    await stillServing();
  });

  const cases: [string, Parameters<typeof runCall>[1], RegExp][] = [
    ['an empty frame', {}, /empty frame/],
    ['a cancel before any request', { cancel: { reason: 'x' } }, /cancel before request/],
    [
      'a response before any request',
      { response: { id: 1, resultJson: Buffer.from('{}') } },
      /unknown request id 1/,
    ],
    [
      'params that are not JSON',
      { request: { method: 'tools/call', paramsJson: Buffer.from('{"name":') } },
      /params_json is not valid JSON/,
    ],
    [
      'params that are a JSON array',
      { request: { method: 'tools/call', paramsJson: Buffer.from('[1]') } },
      /must be a JSON object/,
    ],
    [
      'capabilities that are not JSON',
      {
        request: {
          method: 'tools/call',
          paramsJson: Buffer.from('{}'),
          clientCapabilitiesJson: Buffer.from('nope'),
        },
      },
      /client_capabilities_json is not valid JSON/,
    ],
  ];
  for (const [what, frame, details] of cases) {
    it(`${what} ends the stream with INVALID_ARGUMENT`, async () => {
      const outcome = await runCall(provider.client, frame);
      assert.equal(outcome.status.code, grpc.status.INVALID_ARGUMENT);
      assert.match(outcome.status.details, details);
      await stillServing();
    });
  }

  for (const [what, second] of [
    ['a second request frame', toolCall('echo', { text: 'again' })],
    [
      'a response to a request id the provider never made',
      { response: { id: 99, resultJson: Buffer.from('{}') } },
    ],
  ] as const) {
    it(`${what} during a running call ends it with INVALID_ARGUMENT and aborts the handler`, async () => {
      const gate = wait.reset();
      const { stream, done } = openCall(provider.client, toolCall('wait'));
      await gate.entered.promise;
      stream.write(second);
      const outcome = await done;
      assert.equal(outcome.status.code, grpc.status.INVALID_ARGUMENT);
      await gate.aborted.promise;
      await stillServing();
    });
  }

  it('a stream closed before its request ends with INVALID_ARGUMENT', async () => {
    const outcome = await runCall(provider.client, null);
    assert.equal(outcome.status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(outcome.status.details, /closed before a request/);
    await stillServing();
  });
});
