import { defineTool, type HandlerContext, type JsonObject } from '@mcp-fleet/sdk';
import { NO_ARGUMENTS } from '../schemas.js';

type ElicitParams = Parameters<HandlerContext['elicit']>[0];

export const elicitation = defineTool<{ message: string }>({
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

export const elicitationDefaults = formElicitation(
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

export const elicitationEnums = formElicitation(
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
