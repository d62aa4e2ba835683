import { defineTool } from '@mcp-fleet/sdk';

export const sampling = defineTool<{ prompt: string }>({
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
