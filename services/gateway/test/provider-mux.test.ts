import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  type CallClientFrame__Output,
  type CallMuxClientBatch__Output,
  type CallMuxClientFrame__Output,
  type CallMuxServerBatch,
  type CallServerFrame,
  createProviderClient,
  type FleetError,
  loadProviderProto,
  type ToolProviderClient,
} from '@mcp-fleet/contract';
import { ROOT_CONTEXT } from '@mcp-fleet/runtime/telemetry';
import { CallAbortedError, defineTool } from '@mcp-fleet/sdk';
import {
  echoTool,
  freePort,
  gatedTool,
  type ProviderProcess,
  spawnProvider,
  startProvider,
  type TestProvider,
  waitFor,
} from '@mcp-fleet/sdk/testing';
import { Cancellation } from '../src/engine/cancellation.js';
import type { JsonObject, RawJson } from '../src/protocol/messages.js';
import { UpstreamUnavailable } from '../src/upstream/call-frames.js';
import { CALLS_RECHECK_MS, providerCall } from '../src/upstream/provider-mux.js';
import type { ProviderCallRequest } from '../src/upstream/provider-stream.js';
import { EVERYTHING } from './gateway-processes.js';

const asker = defineTool({
  name: 'asker',
  description: 'Asks the user for a name.',
  inputSchema: { type: 'object' },
  handler: async (_args, ctx) =>
    JSON.stringify(
      await ctx.elicit({ message: 'Name?', requestedSchema: { type: 'object', properties: {} } }),
    ),
});

const held = gatedTool('held');
const other = gatedTool('other');

/** A tools/call as the dispatcher hands it to the upstream client. */
function toolRequest(
  name: string,
  args: JsonObject,
  extra: Partial<ProviderCallRequest> = {},
): ProviderCallRequest {
  return {
    provider: 'test',
    method: 'tools/call',
    params: { name, arguments: args },
    identityToken: '',
    timeoutMs: 10_000,
    cancellation: new Cancellation(),
    clientCapabilities: { elicitation: {} },
    logLevel: 'info',
    protocolVersion: '2025-11-25',
    traceContext: ROOT_CONTEXT,
    listener: {
      progress: () => {},
      log: () => {},
      request: () => Promise.reject(new Error('no client in this test')),
      detach: () => {},
    },
    ...extra,
  };
}

const textOf = (raw: RawJson) => (JSON.parse(raw.text) as { content: { text: string }[] }).content[0]?.text;

describe('gateway provider client over CallBatches streams', () => {
  let provider: TestProvider;
  before(async () => {
    provider = await startProvider([echoTool, asker, held.definition, other.definition]);
  });
  after(() => provider.close());

  const call = (name: string, args: JsonObject = {}, extra: Partial<ProviderCallRequest> = {}) =>
    providerCall(provider.client, toolRequest(name, args, extra), true);

  it('carries many concurrent calls, a held one blocking none of the others', async () => {
    const gate = held.reset();
    const slow = call('held');
    await gate.entered.promise;
    const texts = await Promise.all(
      Array.from({ length: 200 }, (_, i) => call('echo', { text: `n${i}` }).then(textOf)),
    );
    assert.deepEqual(
      texts,
      Array.from({ length: 200 }, (_, i) => `n${i}`),
    );
    gate.release.resolve();
    assert.equal(textOf(await slow), 'released');
  });

  it('cancels one call (the caller went away) while another goes on, as on Call', async () => {
    const one = held.reset();
    const two = other.reset();
    const cancellation = new Cancellation();
    const cancelled = call('held', {}, { cancellation });
    const kept = call('other');
    await Promise.all([one.entered.promise, two.entered.promise]);
    cancellation.abort('client left');
    await assert.rejects(cancelled, (err: FleetError) => /was cancelled/.test(err.message));
    assert.ok((await one.aborted.promise) instanceof CallAbortedError);
    two.release.resolve();
    assert.equal(textOf(await kept), 'released');
  });

  it("ends one call at its deadline with the Timeout error; the provider's handler sees the deadline", async () => {
    const gate = held.reset();
    await assert.rejects(call('held', {}, { timeoutMs: 300 }), (err: FleetError) => {
      assert.equal(err.code, -32004);
      assert.match(err.message, /did not answer within 300 ms/);
      return true;
    });
    const reason = await gate.aborted.promise;
    assert.ok(reason instanceof CallAbortedError);
    assert.equal(reason.kind, 'deadline');
    assert.equal(textOf(await call('echo', { text: 'after' })), 'after');
  });

  it('relays an elicitation and returns the answer to the provider', async () => {
    const asked: string[] = [];
    const request = toolRequest('asker', {});
    request.listener.request = async (method) => {
      asked.push(method);
      return { action: 'accept', content: { name: 'Ada' } };
    };
    const answer = await providerCall(provider.client, request, true);
    assert.deepEqual(asked, ['elicitation/create']);
    assert.deepEqual(JSON.parse(textOf(answer) ?? ''), { action: 'accept', content: { name: 'Ada' } });
  });

  it('passes a provider JSON-RPC error through as on Call', async () => {
    await assert.rejects(call('no_such_tool'), (err: FleetError) => err.code === -32602);
  });

  it('spreads a burst of one turn over its streams: a provider taking 8 calls a stream answers 24 at once', async () => {
    const small = await startProvider([echoTool], { maxCallsPerStream: 8 });
    try {
      const texts = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          providerCall(small.client, toolRequest('echo', { text: `b${i}` }), true).then(textOf),
        ),
      );
      assert.deepEqual(
        texts,
        Array.from({ length: 24 }, (_, i) => `b${i}`),
      );
    } finally {
      await small.close();
    }
  });
});

/** The echo result for a request's `text` argument. */
function echoResult(paramsJson: Buffer | undefined): Buffer {
  const params = JSON.parse(paramsJson?.toString('utf8') ?? '{}');
  return Buffer.from(JSON.stringify({ content: [{ type: 'text', text: params.arguments.text }] }));
}

/**
 * A careless provider's answer: JSON that does not parse where the contract says JSON, in a log's
 * data, a request's params or an error's data, an error's data nested 5,000 deep, or a result
 * that would break out of the answer it is spliced into, as the echo text says.
 */
function garbled(paramsJson: Buffer | undefined): CallServerFrame[] {
  const where = JSON.parse(paramsJson?.toString('utf8') ?? '{}').arguments.text;
  const bad = Buffer.from('{not json');
  const result = { result: { resultJson: echoResult(paramsJson) } };
  if (where === 'log') return [{ log: { level: 'info', logger: '', dataJson: bad } }, result];
  if (where === 'request') return [{ request: { id: 1, method: 'roots/list', paramsJson: bad } }, result];
  // A result that would close the answer it is spliced into and open another.
  if (where === 'splice')
    return [{ result: { resultJson: Buffer.from('{"content":[]}},{"jsonrpc":"2.0","id":2,"result":{}') } }];
  // JSON that parses, nested past what any serialisation on the way to the client survives.
  if (where === 'deep')
    return [
      {
        error: {
          code: -32000,
          message: 'x',
          dataJson: Buffer.from(`${'['.repeat(5_000)}${']'.repeat(5_000)}`),
        },
      },
    ];
  return [{ error: { code: -32603, message: 'failed', dataJson: bad } }];
}

/**
 * What a hand-written provider serves: Call only (an older SDK), both forms, CallBatches refusing
 * every call as overloaded, answering each start with a message of more frames than a batch may
 * hold (empty ones: 2 bytes each on the wire, an object each once decoded), or garbled frames on
 * both forms.
 */
type Form = 'Call' | 'both' | 'overloaded' | 'flooding' | 'garbled';

/**
 * A hand-written provider serving Call only (CallBatches is UNIMPLEMENTED, as for an older SDK or a third
 * party) or both forms, which `upgrade` changes in place; counts the streams the gateway opened.
 */
async function handWrittenProvider(initial: Form): Promise<{
  client: ToolProviderClient;
  /** Streams opened and served, of both forms. */
  streams: () => number;
  /** CallBatches streams opened and served. */
  callsStreams: () => number;
  upgrade(form: Form): void;
  close(): void;
}> {
  let form = initial;
  const opened = { Call: 0, Calls: 0 };
  const unimplemented = { code: grpc.status.UNIMPLEMENTED, details: 'not served here' };
  const perCall = (stream: grpc.ServerDuplexStream<CallClientFrame__Output, CallServerFrame>) => {
    if (form === 'overloaded') return stream.emit('error', unimplemented);
    opened.Call++;
    stream.on('data', (frame: CallClientFrame__Output) => {
      if (!frame.request) return;
      const frames =
        form === 'garbled'
          ? garbled(frame.request.paramsJson)
          : [{ result: { resultJson: echoResult(frame.request.paramsJson) } }];
      for (const answer of frames) stream.write(answer);
      stream.end();
    });
  };
  // Answers one frame a message: the contract lets a sender batch, never makes it.
  const multiplexed = (stream: grpc.ServerDuplexStream<CallMuxClientBatch__Output, CallMuxServerBatch>) => {
    if (form === 'Call') return stream.emit('error', unimplemented);
    opened.Calls++;
    const answer = (frame: CallMuxClientFrame__Output) => {
      if (!frame.start) return;
      if (form === 'flooding') {
        stream.write({ frames: Array.from({ length: 200_000 }, () => ({})) });
        return;
      }
      if (form === 'garbled') {
        const frames = garbled(frame.start.request?.paramsJson);
        stream.write({ frames: frames.map((answer) => ({ callId: frame.callId, ...answer })) });
        return;
      }
      if (form === 'overloaded') {
        const end = {
          code: grpc.status.RESOURCE_EXHAUSTED,
          details: 'more than 2 calls in flight on one stream',
        };
        stream.write({ frames: [{ callId: frame.callId, end }] });
        return;
      }
      const resultJson = echoResult(frame.start.request?.paramsJson);
      stream.write({ frames: [{ callId: frame.callId, result: { resultJson } }] });
    };
    stream.on('data', (batch: CallMuxClientBatch__Output) => {
      for (const frame of batch.frames) answer(frame);
    });
    stream.on('end', () => stream.end());
  };
  const server = new grpc.Server();
  server.addService(loadProviderProto().mcpfleet.provider.v1.ToolProvider.service, {
    Call: perCall,
    CallBatches: multiplexed,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  const client = createProviderClient(`127.0.0.1:${port}`);
  return {
    client,
    streams: () => opened.Call + opened.Calls,
    callsStreams: () => opened.Calls,
    upgrade(next) {
      form = next;
    },
    close() {
      client.close();
      server.forceShutdown();
    },
  };
}

describe('gateway provider client: fallback, balance, failures', () => {
  it('carries 200 calls on at most 4 streams of a provider that serves CallBatches', async () => {
    const modern = await handWrittenProvider('both');
    try {
      const texts = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          providerCall(modern.client, toolRequest('echo', { text: `m${i}` }), true).then(textOf),
        ),
      );
      assert.deepEqual(
        texts,
        Array.from({ length: 200 }, (_, i) => `m${i}`),
      );
      assert.ok(modern.streams() <= 4, `${modern.streams()} streams`);
    } finally {
      modern.close();
    }
  });

  it('retires a stream after 10,000 calls: the next calls go to a fresh stream, none is lost', async () => {
    const modern = await handWrittenProvider('both');
    try {
      let answered = 0;
      // Four streams, each worn out after 10,000 calls: 40,400 calls need more.
      for (let batch = 0; batch < 202; batch++) {
        const texts = await Promise.all(
          Array.from({ length: 200 }, () =>
            providerCall(modern.client, toolRequest('echo', { text: 'w' }), true).then(textOf),
          ),
        );
        answered += texts.filter((t) => t === 'w').length;
      }
      assert.equal(answered, 40_400);
      // Each of the first four retired once it had carried 10,000 calls; replacements took the rest.
      assert.ok(modern.streams() > 4 && modern.streams() <= 8, `${modern.streams()} streams`);
    } finally {
      modern.close();
    }
  });

  it('falls back to per-call Call for a provider that answers CallBatches with UNIMPLEMENTED, and remembers', async () => {
    const old = await handWrittenProvider('Call');
    try {
      const first = await Promise.all(
        ['a', 'b', 'c'].map((text) => providerCall(old.client, toolRequest('echo', { text }), true)),
      );
      assert.deepEqual(first.map(textOf), ['a', 'b', 'c']);
      assert.equal(textOf(await providerCall(old.client, toolRequest('echo', { text: 'd' }), true)), 'd');
      assert.equal(old.streams(), 4);
    } finally {
      old.close();
    }
  });

  it('tries CallBatches again a while after UNIMPLEMENTED: a provider upgraded in place gets them', async (t) => {
    const provider = await handWrittenProvider('Call');
    const echo = (text: string) =>
      providerCall(provider.client, toolRequest('echo', { text }), true).then(textOf);
    try {
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
      assert.equal(await echo('old'), 'old');
      provider.upgrade('both');
      assert.equal(await echo('still Call'), 'still Call');
      assert.equal(provider.callsStreams(), 0);
      t.mock.timers.tick(CALLS_RECHECK_MS);
      const perCall = provider.streams();
      assert.deepEqual(await Promise.all(['a', 'b', 'c'].map(echo)), ['a', 'b', 'c']);
      assert.ok(provider.callsStreams() > 0);
      assert.equal(provider.streams() - provider.callsStreams(), perCall, 'no Call stream after the recheck');
    } finally {
      provider.close();
    }
  });

  it("fails the stream on a provider's message of more frames than a batch holds, before decoding it", async () => {
    const flooding = await handWrittenProvider('flooding');
    try {
      const refused = await providerCall(
        flooding.client,
        toolRequest('echo', { text: 'x' }, { timeoutMs: 60_000 }),
        true,
      ).then(
        () => assert.fail('a flooding provider answered'),
        (err: FleetError) => err,
      );
      assert.match(refused.message, /more than 1024 frames/);
    } finally {
      flooding.close();
    }
  });

  it('fails only the call whose provider frames hold JSON that does not parse, on both forms; the gateway serves on', async () => {
    const careless = await handWrittenProvider('garbled');
    try {
      for (const mux of [true, false])
        for (const where of ['log', 'request', 'error', 'deep', 'splice']) {
          const refused = await providerCall(careless.client, toolRequest('echo', { text: where }), mux).then(
            () => assert.fail(`a garbled ${where} frame was accepted`),
            (err: FleetError) => err,
          );
          assert.equal(refused.kind, 'InternalError', `${where}, mux ${mux}: ${refused.message}`);
          assert.match(refused.message, /malformed/);
        }
      careless.upgrade('both');
      assert.equal(
        textOf(await providerCall(careless.client, toolRequest('echo', { text: 'ok' }), true)),
        'ok',
      );
    } finally {
      careless.close();
    }
  });

  it('answers a call the provider refuses as overloaded (RESOURCE_EXHAUSTED) with the retryable Unavailable error', async () => {
    const busy = await handWrittenProvider('overloaded');
    try {
      const refused = await providerCall(busy.client, toolRequest('echo', { text: 'x' }), true).then(
        () => assert.fail('an overloaded provider answered'),
        (err: FleetError) => err,
      );
      assert.equal(refused.kind, 'Unavailable');
      assert.equal(refused.httpStatus, 503);
      assert.match(refused.message, /overloaded: more than 2 calls in flight/);
    } finally {
      busy.close();
    }
  });

  it('spreads calls over every address of a target (one stream per subchannel pick)', async () => {
    const named = (name: string) =>
      defineTool({
        name: 'who',
        description: 'Names the replica.',
        inputSchema: { type: 'object' },
        handler: () => name,
      });
    const a = await startProvider([named('a')]);
    const b = await startProvider([named('b')]);
    const client = createProviderClient(`ipv4:127.0.0.1:${a.handle.port},127.0.0.1:${b.handle.port}`);
    try {
      const seen = new Map<string, number>();
      for (let i = 0; i < 40; i++) {
        const who = textOf(await providerCall(client, toolRequest('who', {}), true)) ?? '';
        seen.set(who, (seen.get(who) ?? 0) + 1);
      }
      assert.deepEqual([...seen.keys()].sort(), ['a', 'b']);
      assert.ok((seen.get('a') ?? 0) >= 10 && (seen.get('b') ?? 0) >= 10, JSON.stringify([...seen]));
    } finally {
      client.close();
      await Promise.all([a.close(), b.close()]);
    }
  });

  describe('a provider process killed mid-flight', () => {
    let port: number;
    let everything: ProviderProcess;
    let client: ToolProviderClient;
    const start = () =>
      spawnProvider(EVERYTHING, [], {
        MCPFLEET_LISTEN: `127.0.0.1:${port}`,
        MCPFLEET_INSECURE_NO_IDENTITY: 'true',
      });
    const everythingCall = (name: string, args: JsonObject) =>
      providerCall(client, { ...toolRequest(name, args), provider: 'everything' }, true);
    const ready = () => waitFor(() => /serving/.test(everything.output()), 'everything serving', 15_000);

    before(async () => {
      port = await freePort();
      everything = start();
      await ready();
      client = createProviderClient(`127.0.0.1:${port}`);
    });
    after(async () => {
      client.close();
      everything.child.kill('SIGKILL');
      await everything.exited;
    });

    it('fails every call in flight with the Unavailable error, and the next call opens a new stream', async () => {
      assert.equal(textOf(await everythingCall('echo', { text: 'up' })), 'up');
      const inFlight = Promise.allSettled(
        [1, 2, 3].map((seconds) => everythingCall('slow_compute', { seconds })),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      everything.child.kill('SIGKILL');
      await everything.exited;
      for (const outcome of await inFlight) {
        assert.equal(outcome.status, 'rejected');
        const err = (outcome as PromiseRejectedResult).reason;
        assert.ok(err instanceof UpstreamUnavailable, String(err));
        assert.equal(err.code, -32003);
        assert.match(err.message, /Provider everything is unavailable/);
      }
      everything = start();
      await ready();
      await waitFor(
        () => client.getChannel().getConnectivityState(true) === grpc.connectivityState.READY,
        'channel ready again',
        15_000,
      );
      assert.equal(textOf(await everythingCall('echo', { text: 'back' })), 'back');
    });
  });
});
