import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool, type HandlerContext, type JsonObject, READ_ONLY } from '@mcp-fleet/sdk';

type ElicitParams = Parameters<HandlerContext['elicit']>[0];

import { RED_PIXEL_PNG, silentWav } from './media.js';

const NO_ARGUMENTS = { type: 'object', properties: {}, additionalProperties: false };

/** Delay between the steps of the logging, progress and reconnection fixtures. */
const STEP_MS = 50;

/** How soon test_reconnection asks the client to come back after its stream is released. */
const RECONNECT_RETRY_MS = 100;

export const echo = defineTool<{ text: string }>({
  name: 'echo',
  title: 'Echo',
  description: 'Returns the given text unchanged. Used by smoke tests and benchmarks.',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string', maxLength: 1_048_576, description: 'Text to return' } },
    required: ['text'],
    additionalProperties: false,
  },
  annotations: READ_ONLY,
  handler: ({ text }) => text,
});

const simpleText = defineTool({
  name: 'test_simple_text',
  description: 'Returns a fixed text block.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler: () => 'This is a simple text response for testing.',
});

const imageContent = defineTool({
  name: 'test_image_content',
  description: 'Returns a 1x1 red PNG image.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler: () => ({ content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] }),
});

const audioContent = defineTool({
  name: 'test_audio_content',
  description: 'Returns a short WAV clip of silence.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler: () => ({ content: [{ type: 'audio', data: silentWav(100), mimeType: 'audio/wav' }] }),
});

const embeddedResource = defineTool({
  name: 'test_embedded_resource',
  description: 'Returns an embedded text resource.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler: () => ({
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
  }),
});

const multipleContentTypes = defineTool({
  name: 'test_multiple_content_types',
  description: 'Returns text, an image and an embedded resource together.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler: () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  }),
});

const withLogging = defineTool({
  name: 'test_tool_with_logging',
  description: 'Sends three info log notifications while it runs.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    ctx.log('info', 'Tool execution started');
    await sleep(STEP_MS, undefined, { signal: ctx.signal });
    ctx.log('info', 'Tool processing data');
    await sleep(STEP_MS, undefined, { signal: ctx.signal });
    ctx.log('info', 'Tool execution completed');
    return 'Tool with logging executed successfully';
  },
});

const errorHandling = defineTool({
  name: 'test_error_handling',
  description: 'Always fails, to show how tool errors reach the client.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  handler() {
    throw new Error('This tool intentionally returns an error for testing');
  },
});

const withProgress = defineTool({
  name: 'test_tool_with_progress',
  description: 'Reports progress 0, 50 and 100 out of 100.',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    for (const step of [0, 50, 100]) {
      if (step > 0) await sleep(STEP_MS, undefined, { signal: ctx.signal });
      ctx.progress(step, 100, `step ${step / 50 + 1} of 3`);
    }
    return 'Tool with progress executed successfully';
  },
});

const sampling = defineTool<{ prompt: string }>({
  name: 'test_sampling',
  description: "Asks the client's model to answer a prompt (MCP sampling).",
  inputSchema: {
    type: 'object',
    properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } },
    required: ['prompt'],
  },
  async handler({ prompt }, ctx) {
    const answer = await ctx.sample({
      messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
      maxTokens: 100,
    });
    const text =
      answer.content && 'text' in answer.content ? answer.content.text : JSON.stringify(answer.content);
    return `LLM response: ${text}`;
  },
});

const elicitation = defineTool<{ message: string }>({
  name: 'test_elicitation',
  description: 'Asks the user for a username and email address (MCP elicitation).',
  inputSchema: {
    type: 'object',
    properties: { message: { type: 'string', description: 'The message to show the user' } },
    required: ['message'],
  },
  async handler({ message }, ctx) {
    const answer = await ctx.elicit({
      message,
      requestedSchema: {
        type: 'object',
        properties: {
          username: { type: 'string', description: "User's response" },
          email: { type: 'string', description: "User's email address" },
        },
        required: ['username', 'email'],
      },
    });
    return `User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
  },
});

/** A tool that elicits one form and reports what the user did with it. */
function formElicitation(name: string, description: string, message: string, properties: JsonObject) {
  return defineTool({
    name,
    description,
    inputSchema: NO_ARGUMENTS,
    async handler(_args, ctx) {
      const answer = await ctx.elicit({
        message,
        requestedSchema: { type: 'object', properties },
      } as ElicitParams);
      return `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
    },
  });
}

const elicitationDefaults = formElicitation(
  'test_elicitation_sep1034_defaults',
  'Elicits a form whose fields all carry default values (SEP-1034).',
  'Please review and update the form fields with defaults',
  {
    name: { type: 'string', description: 'User name', default: 'John Doe' },
    age: { type: 'integer', description: 'User age', default: 30 },
    score: { type: 'number', description: 'User score', default: 95.5 },
    status: {
      type: 'string',
      description: 'User status',
      enum: ['active', 'inactive', 'pending'],
      default: 'active',
    },
    verified: { type: 'boolean', description: 'Verification status', default: true },
  },
);

const elicitationEnums = formElicitation(
  'test_elicitation_sep1330_enums',
  'Elicits every enum variant: titled and untitled, single and multi select (SEP-1330).',
  'Please select options from the enum fields',
  {
    untitledSingle: {
      type: 'string',
      description: 'Untitled single-select',
      enum: ['option1', 'option2', 'option3'],
    },
    titledSingle: {
      type: 'string',
      description: 'Titled single-select',
      oneOf: [
        { const: 'value1', title: 'First Option' },
        { const: 'value2', title: 'Second Option' },
        { const: 'value3', title: 'Third Option' },
      ],
    },
    legacyEnum: {
      type: 'string',
      description: 'Legacy titled enum',
      enum: ['opt1', 'opt2', 'opt3'],
      enumNames: ['Option One', 'Option Two', 'Option Three'],
    },
    untitledMulti: {
      type: 'array',
      description: 'Untitled multi-select',
      items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    },
    titledMulti: {
      type: 'array',
      description: 'Titled multi-select',
      items: {
        anyOf: [
          { const: 'value1', title: 'First Choice' },
          { const: 'value2', title: 'Second Choice' },
          { const: 'value3', title: 'Third Choice' },
        ],
      },
    },
  },
);

const jsonSchema202012 = defineTool({
  name: 'json_schema_2020_12_tool',
  description: 'Tool with JSON Schema 2020-12 features',
  inputSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    $defs: {
      address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } },
    },
    properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
    additionalProperties: false,
  },
  annotations: READ_ONLY,
  handler: (args) => `Received: ${JSON.stringify(args)}`,
});

const reconnection = defineTool({
  name: 'test_reconnection',
  description:
    'Runs long enough for the gateway to close the SSE stream mid-call, so the client must resume it (SEP-1699).',
  inputSchema: NO_ARGUMENTS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    ctx.detach(RECONNECT_RETRY_MS);
    await sleep(STEP_MS * 4, undefined, { signal: ctx.signal });
    return 'Reconnection test completed successfully';
  },
});

export const tools = [
  echo,
  simpleText,
  imageContent,
  audioContent,
  embeddedResource,
  multipleContentTypes,
  withLogging,
  errorHandling,
  withProgress,
  sampling,
  elicitation,
  elicitationDefaults,
  elicitationEnums,
  jsonSchema202012,
  reconnection,
];
