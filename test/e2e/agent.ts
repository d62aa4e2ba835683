/** The agent's side: the official MCP client connected to the gateway Service with an API key. */
import { type CallToolResult, Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FleetState } from './cluster.js';

/**
 * An agent whose user confirms what a tool asks to confirm (the Kubernetes provider's exec asks
 * through MCP elicitation before it runs anything).
 */
export async function connectAgent(state: FleetState, name = 'e2e-agent'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler('elicitation/create', async () => ({
    action: 'accept',
    content: { confirm: true },
  }));
  await client.connect(
    new StreamableHTTPClientTransport(new URL(state.mcpUrl), {
      requestInit: { headers: { authorization: `Bearer ${state.apiKey}` } },
    }),
  );
  return client;
}

export const text = (result: CallToolResult) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

/** Calls a tool and fails with the tool's own message when it reports an error. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${text(result)}`);
  return result;
}
