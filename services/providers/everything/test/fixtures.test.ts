import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type DescribeResponse__Output,
  ErrorCode,
  NO_LOGS,
  TASK_AFTER_INPUT_META,
} from '@mcp-fleet/contract';
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
import { catalogChanges, tools } from '../src/provider.js';
import { resources } from '../src/resources.js';

const PNG_MAGIC = '89504e470d0a1a0a';

function isPng(base64: string): boolean {
  return Buffer.from(base64, 'base64').subarray(0, 8).toString('hex') === PNG_MAGIC;
}

const BOTH = { sampling: {}, elicitation: {} };

describe('everything provider fixtures', () => {
  let provider: TestProvider;
  before(async () => {
    provider = await startProvider([...tools, ...resources, ...prompts]);
  });
  after(() => provider.close());

  const call = async (name: string, args: Record<string, unknown> = {}) =>
    resultOf(await runCall(provider.client, toolCall(name, args)));

  it('lists every conformance tool with a description and an object input schema', async () => {
    const described = await new Promise<{ tools: { key: string; definitionJson: Buffer }[] }>(
      (resolve, reject) =>
        provider.client.Describe({}, (err, res) => (err || !res ? reject(err) : resolve(res))),
    );
    const names = described.tools.map((t) => t.key).sort();
    assert.deepEqual(names, [
      'confirm_delete',
      'echo',
      'failing_job',
      'greet',
      'json_schema_2020_12_tool',
      'multi_input',
      'protocol_error_job',
      'slow_compute',
      'test_audio_content',
      'test_elicitation',
      'test_elicitation_sep1034_defaults',
      'test_elicitation_sep1330_enums',
      'test_embedded_resource',
      'test_error_handling',
      'test_header_param',
      'test_image_content',
      'test_input_required_result_capabilities',
      'test_input_required_result_elicitation',
      'test_input_required_result_list_roots',
      'test_input_required_result_multi_round',
      'test_input_required_result_multiple_inputs',
      'test_input_required_result_request_state',
      'test_input_required_result_sampling',
      'test_input_required_result_tampered_state',
      'test_logging_tool',
      'test_missing_capability',
      'test_multiple_content_types',
      'test_reconnection',
      'test_sampling',
      'test_simple_text',
      'test_streaming_elicitation',
      'test_tool_with_logging',
      'test_tool_with_progress',
      'test_tool_with_task',
      'test_trigger_prompt_change',
      'test_trigger_tool_change',
    ]);
    for (const item of described.tools) {
      const tool = JSON.parse(item.definitionJson.toString('utf8'));
      assert.ok(tool.description, `${tool.name} has a description`);
      assert.equal(tool.inputSchema.type, 'object');
    }
    const listed = (key: string) =>
      JSON.parse(described.tools.find((t) => t.key === key)?.definitionJson.toString('utf8') ?? '{}');
    assert.deepEqual(listed('slow_compute').execution, { taskSupport: 'optional' });
    assert.deepEqual(listed('failing_job').execution, { taskSupport: 'required' });
    assert.deepEqual(listed('test_tool_with_task')._meta, { [TASK_AFTER_INPUT_META]: true });
    assert.equal(listed('greet').execution, undefined, 'greet never runs as a task');
    const schema = JSON.parse(
      described.tools.find((t) => t.key === 'json_schema_2020_12_tool')?.definitionJson.toString('utf8') ??
        '{}',
    ).inputSchema;
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.ok(schema.$defs.address);
    assert.equal(schema.additionalProperties, false);
  });

  it('echo returns its text; a non-string is refused', async () => {
    assert.deepEqual(await call('echo', { text: 'héllo 👋' }), {
      content: [{ type: 'text', text: 'héllo 👋' }],
    });
    const bad = resultOf(await runCall(provider.client, toolCall('echo', { text: 5 })));
    assert.equal(bad.isError, true);
    assert.match(JSON.stringify(bad.content), /Invalid arguments: \/text must be string/);
  });

  it('returns text, image, audio, embedded and mixed content', async () => {
    assert.deepEqual(await call('test_simple_text'), {
      content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
    });
    const image = (await call('test_image_content')).content as {
      type: string;
      data: string;
      mimeType: string;
    }[];
    assert.equal(image[0]?.type, 'image');
    assert.equal(image[0]?.mimeType, 'image/png');
    assert.ok(isPng(image[0]?.data ?? ''));
    const audio = (await call('test_audio_content')).content as { data: string; mimeType: string }[];
    assert.equal(audio[0]?.mimeType, 'audio/wav');
    const wav = Buffer.from(audio[0]?.data ?? '', 'base64');
    assert.equal(wav.subarray(0, 4).toString(), 'RIFF');
    assert.equal(wav.subarray(8, 12).toString(), 'WAVE');
    assert.equal(wav.readUInt32LE(4), wav.length - 8);
    assert.deepEqual(await call('test_embedded_resource'), {
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    });
    const mixed = (await call('test_multiple_content_types')).content as { type: string }[];
    assert.deepEqual(
      mixed.map((c) => c.type),
      ['text', 'image', 'resource'],
    );
  });

  it('test_error_handling is a tool error, not a protocol error', async () => {
    assert.deepEqual(await call('test_error_handling'), {
      content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
      isError: true,
    });
  });

  it('test_tool_with_logging sends three info logs before its result', async () => {
    const outcome = await runCall(
      provider.client,
      toolCall('test_tool_with_logging', {}, { logLevel: 'debug' }),
    );
    const logs = outcome.frames
      .filter((f) => f.frame === 'log')
      .map((f) => JSON.parse(f.log?.dataJson.toString() ?? ''));
    assert.deepEqual(logs, ['Tool execution started', 'Tool processing data', 'Tool execution completed']);
    assert.equal(outcome.frames.at(-1)?.frame, 'result');
  });

  it('test_logging_tool logs at and above the level asked for, and nothing when asked for none', async () => {
    const levels = async (logLevel: string) =>
      (await runCall(provider.client, toolCall('test_logging_tool', {}, { logLevel }))).frames
        .filter((f) => f.frame === 'log')
        .map((f) => f.log?.level);
    assert.deepEqual(await levels('debug'), ['debug', 'info', 'warning', 'error']);
    assert.deepEqual(await levels('warning'), ['warning', 'error']);
    assert.deepEqual(await levels(NO_LOGS), []);
  });

  it('test_missing_capability names sampling in MissingClientCapability for a 2026-07-28 client without it', async () => {
    const outcome = await runCall(
      provider.client,
      toolCall('test_missing_capability', {}, { protocolVersion: '2026-07-28' }),
    );
    const error = errorOf(outcome);
    assert.equal(error.code, ErrorCode.MissingClientCapability);
    assert.deepEqual(error.data, { requiredCapabilities: { sampling: {} } });
  });

  it('test_header_param declares its region as the Region routing header', async () => {
    assert.deepEqual(
      resultOf(await runCall(provider.client, toolCall('test_header_param', { region: 'eu' }))),
      {
        content: [{ type: 'text', text: 'Region: eu' }],
      },
    );
  });

  it('test_tool_with_progress reports 0, 50, 100 of 100 when given a progress token', async () => {
    const outcome = await runCall(
      provider.client,
      toolCall('test_tool_with_progress', {}, { meta: { progressToken: 7 } }),
    );
    const progress = outcome.frames
      .filter((f) => f.frame === 'progress')
      .map((f) => [f.progress?.progress, f.progress?.total]);
    assert.deepEqual(progress, [
      [0, 100],
      [50, 100],
      [100, 100],
    ]);
  });

  it('test_sampling relays the prompt to the client model and quotes its answer', async () => {
    let seen: Record<string, unknown> | undefined;
    const outcome = await runCall(
      provider.client,
      toolCall('test_sampling', { prompt: 'Say hi' }, { capabilities: BOTH }),
      {
        onFrame: answering((method, params) => {
          assert.equal(method, 'sampling/createMessage');
          seen = params;
          return {
            role: 'assistant',
            content: { type: 'text', text: 'hi!' },
            model: 'test-model',
            stopReason: 'endTurn',
          };
        }),
      },
    );
    assert.deepEqual(seen, {
      messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }],
      maxTokens: 100,
    });
    assert.deepEqual(resultOf(outcome), { content: [{ type: 'text', text: 'LLM response: hi!' }] });
  });

  it('the elicitation fixtures send their schemas and report the action and content', async () => {
    const asked: Record<string, Record<string, unknown>> = {};
    for (const [name, args] of [
      ['test_elicitation', { message: 'Who are you?' }],
      ['test_elicitation_sep1034_defaults', {}],
      ['test_elicitation_sep1330_enums', {}],
    ] as const) {
      const outcome = await runCall(provider.client, toolCall(name, args, { capabilities: BOTH }), {
        onFrame: answering((method, params) => {
          assert.equal(method, 'elicitation/create');
          asked[name] = params;
          return { action: 'accept', content: { username: 'ann' } };
        }),
      });
      const text = (resultOf(outcome).content as { text: string }[])[0]?.text ?? '';
      assert.match(text, /action=accept, content=\{"username":"ann"\}/);
    }
    const basic = asked.test_elicitation?.requestedSchema as { required: string[] };
    assert.deepEqual(basic.required, ['username', 'email']);
    const defaults = (
      asked.test_elicitation_sep1034_defaults?.requestedSchema as {
        properties: Record<string, { default: unknown }>;
      }
    ).properties;
    assert.deepEqual(Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, v.default])), {
      name: 'John Doe',
      age: 30,
      score: 95.5,
      status: 'active',
      verified: true,
    });
    const enums = (
      asked.test_elicitation_sep1330_enums?.requestedSchema as { properties: Record<string, unknown> }
    ).properties;
    assert.deepEqual(Object.keys(enums), [
      'untitledSingle',
      'titledSingle',
      'legacyEnum',
      'untitledMulti',
      'titledMulti',
    ]);
  });

  it('test_reconnection asks the gateway to release the client stream, then completes', async () => {
    const outcome = await runCall(provider.client, toolCall('test_reconnection'));
    assert.deepEqual(
      outcome.frames.map((f) => f.frame),
      ['detach', 'result'],
    );
    assert.equal(outcome.frames[0]?.detach?.retryMs, 100);
    assert.deepEqual(resultOf(outcome), {
      content: [{ type: 'text', text: 'Reconnection test completed successfully' }],
    });
  });

  it('serves the static, binary, templated and watched resources', async () => {
    const read = async (uri: string) =>
      resultOf(await runCall(provider.client, request('resources/read', { uri })));
    assert.deepEqual(await read('test://static-text'), {
      contents: [
        {
          uri: 'test://static-text',
          mimeType: 'text/plain',
          text: 'This is the content of the static text resource.',
        },
      ],
    });
    const binary = (await read('test://static-binary')).contents as { blob: string; mimeType: string }[];
    assert.equal(binary[0]?.mimeType, 'image/png');
    assert.ok(isPng(binary[0]?.blob ?? ''));
    assert.deepEqual(await read('test://template/123/data'), {
      contents: [
        {
          uri: 'test://template/123/data',
          mimeType: 'application/json',
          text: '{"id":"123","templateTest":true,"data":"Data for ID: 123"}',
        },
      ],
    });
    const watched = (await read('test://watched-resource')).contents as { text: string }[];
    assert.match(watched[0]?.text ?? '', /^Watched resource, version \d+$/);
  });

  it('serves the four prompts and completes arg1', async () => {
    const get = async (name: string, args: Record<string, string> = {}) =>
      resultOf(await runCall(provider.client, request('prompts/get', { name, arguments: args })));
    assert.deepEqual(await get('test_simple_prompt'), {
      messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
    });
    assert.deepEqual(await get('test_prompt_with_arguments', { arg1: 'hello', arg2: 'world' }), {
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: "Prompt with arguments: arg1='hello', arg2='world'" },
        },
      ],
    });
    const embedded = (await get('test_prompt_with_embedded_resource', { resourceUri: 'test://x' }))
      .messages as {
      content: { type: string; resource?: { uri: string } };
    }[];
    assert.equal(embedded[0]?.content.resource?.uri, 'test://x');
    const image = (await get('test_prompt_with_image')).messages as {
      content: { type: string; data?: string };
    }[];
    assert.equal(image[0]?.content.type, 'image');
    assert.ok(isPng(image[0]?.content.data ?? ''));
    const completion = resultOf(
      await runCall(
        provider.client,
        request('completion/complete', {
          ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
          argument: { name: 'arg1', value: 'par' },
        }),
      ),
    );
    assert.deepEqual(completion, {
      completion: { values: ['paris', 'park', 'party'], total: 3, hasMore: false },
    });
  });

  it('the trigger tools add their dynamic tool or prompt, then take it away, each time republishing the catalog', async () => {
    const described = () =>
      new Promise<DescribeResponse__Output>((resolve, reject) =>
        provider.client.Describe({}, (err, res) => (err || !res ? reject(err) : resolve(res))),
      );
    const base = [...tools, ...resources, ...prompts];
    catalogChanges.attach(provider.handle, base);
    const before = await described();
    assert.match(
      String(resultOf(await runCall(provider.client, toolCall('test_trigger_tool_change'))).content),
      /./,
    );
    const added = await described();
    assert.ok(added.tools.some((t) => t.key === 'test_dynamic_tool'));
    assert.notEqual(added.revision, before.revision);
    await runCall(provider.client, toolCall('test_trigger_prompt_change'));
    assert.ok((await described()).prompts.some((p) => p.key === 'test_dynamic_prompt'));
    await runCall(provider.client, toolCall('test_trigger_tool_change'));
    await runCall(provider.client, toolCall('test_trigger_prompt_change'));
    const back = await described();
    assert.deepEqual(
      [back.tools.length, back.prompts.length, back.revision],
      [before.tools.length, before.prompts.length, before.revision],
    );
  });
});
