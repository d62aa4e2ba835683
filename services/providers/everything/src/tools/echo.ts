import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';

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
