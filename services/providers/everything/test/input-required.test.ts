import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, INPUT_KEY_META } from '@mcp-fleet/sdk';
import {
  answering,
  errorOf,
  request,
  resultOf,
  runCall,
  startProvider,
  type TestProvider,
  toolCall,
} from '@mcp-fleet/sdk/testing';
import { prompts } from '../src/prompts.js';
import { tools } from '../src/provider.js';

const ALL = { elicitation: {}, sampling: {}, roots: {} };

/** What a client answers to each kind of ask. */
function answer(method: string): unknown {
  if (method === 'sampling/createMessage')
    return { role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'm', stopReason: 'endTurn' };
  if (method === 'roots/list') return { roots: [{ uri: 'file:///r', name: 'R' }] };
  return { action: 'accept', content: { name: 'Ann', color: 'red', context: 'ctx', value: 'v', ok: true } };
}

describe('everything provider: the MRTR fixtures (SEP-2322) ask under the keys the conformance scenarios answer', () => {
  let provider: TestProvider;
  before(async () => {
    provider = await startProvider([...tools, ...prompts]);
  });
  after(() => provider.close());

  /** Runs `frame`, answering every ask; returns the result and the keys asked, in order. */
  const run = async (frame: Parameters<typeof runCall>[1]) => {
    const keys: string[] = [];
    const outcome = await runCall(provider.client, frame, {
      onFrame: answering((method, params) => {
        keys.push(`${(params._meta as Record<string, string>)[INPUT_KEY_META]}:${method}`);
        return answer(method);
      }),
    });
    return { keys, outcome };
  };
  const text = (outcome: Awaited<ReturnType<typeof run>>['outcome']) =>
    (resultOf(outcome).content as { text: string }[])[0]?.text;

  for (const [name, keys, expected] of [
    ['test_input_required_result_elicitation', ['user_name:elicitation/create'], 'Hello, Ann!'],
    [
      'test_input_required_result_sampling',
      ['capital_question:sampling/createMessage'],
      'Sampling result: Paris',
    ],
    ['test_input_required_result_list_roots', ['client_roots:roots/list'], 'Found 1 root(s): file:///r'],
    [
      'test_input_required_result_request_state',
      ['confirm:elicitation/create'],
      'state-ok: requestState validated',
    ],
    [
      'test_input_required_result_tampered_state',
      ['confirm:elicitation/create'],
      'integrity-ok: state verified',
    ],
    [
      'test_input_required_result_multi_round',
      ['step1:elicitation/create', 'step2:elicitation/create'],
      'Multi-round complete for Ann who likes red',
    ],
    ['test_streaming_elicitation', ['confirm:elicitation/create'], 'Streaming complete'],
  ] as const) {
    it(`${name} asks ${keys.join(', ')}`, async () => {
      const { keys: asked, outcome } = await run(toolCall(name, {}, { capabilities: ALL }));
      assert.deepEqual(asked, keys);
      assert.equal(text(outcome), expected);
    });
  }

  it('test_input_required_result_multiple_inputs asks all three at once', async () => {
    const { keys, outcome } = await run(
      toolCall('test_input_required_result_multiple_inputs', {}, { capabilities: ALL }),
    );
    assert.deepEqual(keys.sort(), [
      'client_roots:roots/list',
      'greeting:sampling/createMessage',
      'user_name:elicitation/create',
    ]);
    assert.equal(text(outcome), 'Name: Ann; Greeting: Paris; Roots: 1');
  });

  it('test_input_required_result_capabilities asks only for what the client declared', async () => {
    const sampling = await run(
      toolCall('test_input_required_result_capabilities', {}, { capabilities: { sampling: {} } }),
    );
    assert.deepEqual(sampling.keys, ['sample_input:sampling/createMessage']);
    const none = await run(toolCall('test_input_required_result_capabilities', {}, { capabilities: {} }));
    assert.deepEqual(none.keys, []);
    assert.equal(text(none.outcome), 'No supported capabilities declared');
  });

  it('test_input_required_result_prompt asks for user_context', async () => {
    const frame = request('prompts/get', { name: 'test_input_required_result_prompt' });
    if (frame.request) frame.request.clientCapabilitiesJson = Buffer.from(JSON.stringify(ALL));
    const { keys, outcome } = await run(frame);
    assert.deepEqual(keys, ['user_context:elicitation/create']);
    assert.match(JSON.stringify(resultOf(outcome).messages), /Prompt with context: ctx/);
  });

  it('a 2026-07-28 request asking for an undeclared capability fails with -32021 and requiredCapabilities', async () => {
    const frame = toolCall('test_input_required_result_elicitation', {}, { capabilities: {} });
    if (frame.request) frame.request.protocolVersion = '2026-07-28';
    const { outcome } = await run(frame);
    const error = errorOf(outcome);
    assert.equal(error.code, ErrorCode.MissingClientCapability);
    assert.deepEqual(error.data, { requiredCapabilities: { elicitation: {} } });
  });
});
