/** The agent's side: the official MCP client connected to the gateway Service with an API key. */

import { after, before } from 'node:test';
import { type CallToolResult, Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type FleetState, loadState } from './cluster.js';

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

/** One agent session for the tests of the enclosing describe: connected before them, closed after. */
export function agentPerSuite(): () => Client {
  let client: Client | undefined;
  before(async () => {
    client = await connectAgent(loadState());
  });
  after(() => client?.close());
  return () => {
    if (!client) throw new Error('the agent did not connect');
    return client;
  };
}
