import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { ErrorCode } from '@mcp-fleet/contract';
import { CallAbortedError, defineTool } from '../src/index.js';
import {
  errorOf,
  gatedTool,
  openCall,
  resultOf,
  runCall,
  startProvider,
  type TestProvider,
  toolCall,
} from '../src/testing.js';

const slow = gatedTool('slow');
let validated = 0;

const strict = defineTool<{ text: string; count?: number }>({
  name: 'strict',
  description: 'Validates its arguments.',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string' }, count: { type: 'integer', minimum: 1 } },
    required: ['text'],
    additionalProperties: false,
  },
  handler: ({ text }) => {
    validated++;
    return text;
  },
});

const chatty = defineTool({
  name: 'chatty',
  description: 'Interleaves progress and log frames.',
  inputSchema: { type: 'object' },
  async handler(_args, ctx) {
    for (let i = 1; i <= 5; i++) {
      ctx.progress(i, 5, `step ${i}`);
      ctx.log('debug', { step: i, detail: true });
      ctx.log('warning', { step: i });
      if (i % 2 === 0) await sleep(1);
    }
    return 'done';
  },
});

const failing = defineTool({
  name: 'failing',
  description: 'Throws.',
  inputSchema: { type: 'object' },
  handler() {
    throw new Error('disk on fire');
  },
});

const structured = defineTool<{ good: boolean }>({
  name: 'structured',
  description: 'Returns structured content, valid or not.',
  inputSchema: { type: 'object', properties: { good: { type: 'boolean' } }, required: ['good'] },
  outputSchema: { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] },
  handler: ({ good }) => ({ content: [], structuredContent: good ? { total: 3 } : { total: 'three' } }),
});

const sampler = defineTool({
  name: 'sampler',
  description: 'Asks the client to sample.',
  inputSchema: { type: 'object' },
  async handler(_args, ctx) {
    const answer = await ctx.sample({
      messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }],
      maxTokens: 5,
    });
    return `model said: ${answer.content && 'text' in answer.content ? answer.content.text : '?'}`;
  },
});

// Hands a copy of its context on, as a handler wrapping its helpers might: the copy must keep the signal.
let spreadSignal: AbortSignal | undefined;
const spreading = defineTool({
  name: 'spreading',
  description: 'Spreads its context and reports what the copy holds.',
  inputSchema: { type: 'object' },
  async handler(_args, ctx) {
    const copy = { ...ctx, log: () => {} };
    spreadSignal = copy.signal;
    await sleep(0);
    return JSON.stringify({ keys: Object.keys(copy).sort(), same: copy.signal === ctx.signal });
  },
});

describe('Call stream', () => {
  let provider: TestProvider;
  before(async () => {
    provider = await startProvider([
      strict,
      slow.definition,
      chatty,
      failing,
      structured,
      sampler,
      spreading,
    ]);
  });
  after(() => provider.close());

  it('answers arguments that violate the input schema with a tool error naming each failing path, without calling the handler', async () => {
    validated = 0;
    const outcome = await runCall(provider.client, toolCall('strict', { count: 0, extra: 1 }));
    const result = resultOf(outcome) as { content: { type: string; text: string }[]; isError: boolean };
    // A tool execution error the model reads (MCP 2025-11-25 on), not a JSON-RPC error.
    assert.equal(result.isError, true);
    const [text] = result.content.map((c) => c.text);
    assert.match(text ?? '', /^Invalid arguments: /);
    assert.match(text ?? '', /missing required property 'text'/);
    assert.match(text ?? '', /\/count must be >= 1/);
    assert.match(text ?? '', /unexpected property 'extra'/);
    // The provider's own name for the tool is not in it: a gateway may expose the tool as another.
    assert.doesNotMatch(text ?? '', /strict/);
    assert.equal(validated, 0);
    assert.equal(outcome.status.code, grpc.status.OK);
  });

  it('answers a wrong type with a tool error, then accepts valid arguments', async () => {
    validated = 0;
    const bad = resultOf(await runCall(provider.client, toolCall('strict', { text: 42 }))) as {
      content: { text: string }[];
      isError: boolean;
    };
    assert.equal(bad.isError, true);
    assert.match(bad.content[0]?.text ?? '', /\/text must be string/);
    assert.equal(validated, 0);
    const good = resultOf(await runCall(provider.client, toolCall('strict', { text: 'hello' })));
    assert.deepEqual(good, { content: [{ type: 'text', text: 'hello' }] });
    assert.equal(validated, 1);
  });

  it('answers an unknown tool and an unknown method with JSON-RPC errors', async () => {
    const unknownTool = errorOf(await runCall(provider.client, toolCall('nope')));
    assert.equal(unknownTool.code, ErrorCode.InvalidParams);
    assert.match(unknownTool.message, /Unknown tool: nope/);
    const frame = { request: { method: 'tools/destroy', paramsJson: Buffer.from('{}') } };
    const unknownMethod = errorOf(await runCall(provider.client, frame));
    assert.equal(unknownMethod.code, ErrorCode.MethodNotFound);
  });

  it('a copy of the handler context carries the same signal, and nothing else of the SDK', async () => {
    spreadSignal = undefined;
    const result = resultOf(await runCall(provider.client, toolCall('spreading')));
    const text = (result.content as { text: string }[])[0]?.text ?? '';
    assert.deepEqual(JSON.parse(text), {
      keys: [
        'clientCapabilities',
        'detach',
        'elicit',
        'identity',
        'log',
        'meta',
        'progress',
        'protocolVersion',
        'request',
        'sample',
        'signal',
        'traceContext',
      ],
      same: true,
    });
    assert.ok((spreadSignal as unknown) instanceof AbortSignal);
  });

  it('a cancel frame aborts the handler signal and ends the call with CANCELLED', async () => {
    const gate = slow.reset();
    const { stream, done } = openCall(provider.client, toolCall('slow'));
    await gate.entered.promise;
    stream.write({ cancel: { reason: 'user pressed stop' } });
    const reason = await gate.aborted.promise;
    assert.ok(reason instanceof CallAbortedError);
    assert.equal(reason.kind, 'cancelled');
    const outcome = await done;
    assert.equal(outcome.status.code, grpc.status.CANCELLED);
    assert.match(outcome.status.details, /user pressed stop/);
    assert.equal(outcome.frames.length, 0);
  });

  it('a gRPC-level cancel (gateway dropped the stream) aborts the handler signal', async () => {
    const gate = slow.reset();
    const { stream, done } = openCall(provider.client, toolCall('slow'));
    await gate.entered.promise;
    stream.cancel();
    const reason = await gate.aborted.promise;
    assert.ok(reason instanceof CallAbortedError);
    assert.equal((await done).status.code, grpc.status.CANCELLED);
  });

  it('a deadline that passes gives DEADLINE_EXCEEDED and aborts the handler with kind "deadline"', async () => {
    const gate = slow.reset();
    const outcome = await runCall(provider.client, toolCall('slow'), { deadlineMs: 150 });
    assert.equal(outcome.status.code, grpc.status.DEADLINE_EXCEEDED);
    const reason = await gate.aborted.promise;
    assert.ok(reason instanceof CallAbortedError);
    assert.equal(reason.kind, 'deadline');
  });

  it('streams progress and log frames in the order the handler made them, filtered by log level', async () => {
    const outcome = await runCall(
      provider.client,
      toolCall('chatty', {}, { meta: { progressToken: 'tok-1' }, logLevel: 'info' }),
    );
    const kinds = outcome.frames.map((f) => f.frame);
    assert.deepEqual(kinds, [...Array(5).fill(['progress', 'log']).flat(), 'result']);
    const steps = outcome.frames.flatMap((f) =>
      f.frame === 'progress'
        ? [`p${f.progress?.progress}/${f.progress?.total}`]
        : f.frame === 'log'
          ? [`l${JSON.parse(f.log?.dataJson.toString() ?? '{}').step}`]
          : [],
    );
    assert.deepEqual(steps, ['p1/5', 'l1', 'p2/5', 'l2', 'p3/5', 'l3', 'p4/5', 'l4', 'p5/5', 'l5']);
    assert.ok(outcome.frames.every((f) => f.frame !== 'log' || f.log?.level === 'warning'));

    const debug = await runCall(provider.client, toolCall('chatty', {}, { logLevel: 'debug' }));
    assert.equal(debug.frames.filter((f) => f.frame === 'log').length, 10, 'debug level passes every log');
    assert.equal(
      debug.frames.filter((f) => f.frame === 'progress').length,
      0,
      'no progress token, no progress',
    );
  });

  it('a handler that throws yields isError with its message, and the provider keeps serving', async () => {
    const failed = resultOf(await runCall(provider.client, toolCall('failing')));
    assert.deepEqual(failed, { content: [{ type: 'text', text: 'disk on fire' }], isError: true });
    const next = resultOf(await runCall(provider.client, toolCall('strict', { text: 'still here' })));
    assert.deepEqual(next, { content: [{ type: 'text', text: 'still here' }] });
  });

  it('checks structured output against the outputSchema and mirrors it as text', async () => {
    const good = resultOf(await runCall(provider.client, toolCall('structured', { good: true })));
    assert.deepEqual(good, {
      content: [{ type: 'text', text: '{"total":3}' }],
      structuredContent: { total: 3 },
    });
    const bad = errorOf(await runCall(provider.client, toolCall('structured', { good: false })));
    assert.equal(bad.code, ErrorCode.InternalError);
    assert.match(bad.message, /\/total must be number/);
  });

  it('relays a sampling request to the caller and resumes with its answer', async () => {
    const requests: unknown[] = [];
    const outcome = await runCall(
      provider.client,
      toolCall('sampler', {}, { capabilities: { sampling: {} } }),
      {
        onFrame(frame, stream) {
          if (frame.frame === 'request' && frame.request) {
            requests.push({
              method: frame.request.method,
              params: JSON.parse(frame.request.paramsJson.toString()),
            });
            const answer = { role: 'assistant', content: { type: 'text', text: 'pong' }, model: 'm' };
            stream.write({
              response: { id: frame.request.id, resultJson: Buffer.from(JSON.stringify(answer)) },
            });
          }
          if (frame.frame === 'result') stream.end();
        },
      },
    );
    assert.deepEqual(resultOf(outcome), { content: [{ type: 'text', text: 'model said: pong' }] });
    assert.equal(requests.length, 1);
    assert.deepEqual((requests[0] as { method: string }).method, 'sampling/createMessage');
  });

  it('refuses to sample for a client without the sampling capability (a tool error, not a hang)', async () => {
    const outcome = await runCall(provider.client, toolCall('sampler'));
    const result = resultOf(outcome);
    assert.equal(result.isError, true);
    assert.match(JSON.stringify(result.content), /does not support sampling/);
  });

  it('passes a client error answer back to the handler', async () => {
    const outcome = await runCall(
      provider.client,
      toolCall('sampler', {}, { capabilities: { sampling: {} } }),
      {
        onFrame(frame, stream) {
          if (frame.frame === 'request' && frame.request) {
            stream.write({
              response: { id: frame.request.id, error: { code: -1, message: 'user declined' } },
            });
          }
          if (frame.frame === 'result') stream.end();
        },
      },
    );
    const result = resultOf(outcome);
    assert.equal(result.isError, true);
    assert.match(JSON.stringify(result.content), /user declined/);
  });
});
