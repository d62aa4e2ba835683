import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { definitions } from '@mcp-fleet/provider-everything';
import { defineTool } from '@mcp-fleet/sdk';
import { gatedTool } from '@mcp-fleet/sdk/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { type Fleet, startFleet } from './support.js';

const gated = gatedTool('gated');
const whoami = defineTool({
  name: 'whoami',
  description: 'Returns what the provider knows about the caller.',
  inputSchema: { type: 'object' },
  annotations: { readOnlyHint: true },
  handler: (_args, ctx) => ({ content: [], structuredContent: { ...ctx.identity } }),
});

async function connect(
  url: string,
  capabilities: Record<string, unknown> = { sampling: {}, elicitation: {} },
) {
  const client = new Client({ name: 'e2e', version: '1.0.0' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

describe('gateway end to end with the official MCP TypeScript SDK client', () => {
  let fleet: Fleet;
  let client: Client;
  let transport: StreamableHTTPClientTransport;

  before(async () => {
    fleet = await startFleet([
      { name: 'everything', prefix: '', definitions },
      { name: 'lab', definitions: [gated.definition, whoami] },
    ]);
    ({ client, transport } = await connect(fleet.url));
  });
  after(async () => {
    await client.close();
    await fleet.close();
  });

  it('initializes on the newest protocol with an unguessable session id', () => {
    assert.equal(client.getServerVersion()?.name, 'mcp-fleet-gateway');
    assert.match(transport.sessionId ?? '', /^[A-Za-z0-9_-]{32}$/);
    assert.ok(client.getServerCapabilities()?.tools?.listChanged);
  });

  it('lists every provider tool under its exposed name', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('echo'), 'the empty prefix exposes everything as it is');
    assert.ok(names.includes('lab_gated'));
    assert.ok(names.includes('lab_whoami'));
    assert.ok(!names.includes('gated'));
  });

  it('calls a tool through the gateway, and the provider sees the gateway-vouched identity, not a client token', async () => {
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'through the fleet' } });
    assert.deepEqual(echo.content, [{ type: 'text', text: 'through the fleet' }]);
    const who = await client.callTool({ name: 'lab_whoami', arguments: {} });
    assert.deepEqual(who.structuredContent, {
      subject: 'local',
      principal: 'none:::local',
      roles: ['local'],
      sessionId: transport.sessionId,
    });
  });

  it('streams progress to the caller and then the result', async () => {
    const seen: number[] = [];
    const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    assert.deepEqual(seen, [0, 50, 100]);
    assert.equal((result.content as { text: string }[])[0]?.text, 'Tool with progress executed successfully');
  });

  it('forwards log notifications filtered by the level the client set', async () => {
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params.data);
    });
    await client.setLoggingLevel('warning');
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    assert.deepEqual(logs, [], 'info logs stay below a warning threshold');
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    assert.deepEqual(logs, ['Tool execution started', 'Tool processing data', 'Tool execution completed']);
  });

  it('relays sampling and elicitation requests to the client and their answers back', async () => {
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      role: 'assistant',
      content: {
        type: 'text',
        text: `echo of ${(request.params.messages[0]?.content as { text: string }).text}`,
      },
      model: 'm',
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: 'accept',
      content: { username: 'ann', email: 'a@b.c' },
    }));
    const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'ping' } });
    assert.equal((sampled.content as { text: string }[])[0]?.text, 'LLM response: echo of ping');
    const elicited = await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } });
    assert.match((elicited.content as { text: string }[])[0]?.text ?? '', /action=accept/);
  });

  it('reads resources and templates, gets prompts and completes arguments', async () => {
    const text = await client.readResource({ uri: 'test://static-text' });
    assert.equal(
      (text.contents[0] as { text: string }).text,
      'This is the content of the static text resource.',
    );
    const templated = await client.readResource({ uri: 'test://template/7/data' });
    assert.equal(
      (templated.contents[0] as { text: string }).text,
      '{"id":"7","templateTest":true,"data":"Data for ID: 7"}',
    );
    const prompt = await client.getPrompt({
      name: 'test_prompt_with_arguments',
      arguments: { arg1: 'a', arg2: 'b' },
    });
    assert.equal(
      (prompt.messages[0]?.content as { text: string }).text,
      "Prompt with arguments: arg1='a', arg2='b'",
    );
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
      argument: { name: 'arg1', value: 'pa' },
    });
    assert.deepEqual(completion.completion.values, ['paris', 'park', 'party']);
    const templates = await client.listResourceTemplates();
    assert.deepEqual(
      templates.resourceTemplates.map((t) => t.uriTemplate),
      ['test://template/{id}/data'],
    );
  });

  it('cancelling a call (notifications/cancelled) aborts the provider handler', async () => {
    const gate = gated.reset();
    const controller = new AbortController();
    const call = client.callTool({ name: 'lab_gated', arguments: {} }, undefined, {
      signal: controller.signal,
    });
    await gate.entered.promise;
    controller.abort('user pressed stop');
    await assert.rejects(call, /user pressed stop/);
    const reason = await gate.aborted.promise;
    assert.match(String(reason), /cancel/);
  });

  it('resumes a released stream: test_reconnection answers after the client reconnects with Last-Event-ID', async () => {
    const result = await client.callTool({ name: 'test_reconnection', arguments: {} });
    assert.equal((result.content as { text: string }[])[0]?.text, 'Reconnection test completed successfully');
  });

  it('an unknown tool is a JSON-RPC error; invalid arguments a tool error the model reads', async () => {
    await assert.rejects(client.callTool({ name: 'nope', arguments: {} }), /-32602.*Unknown tool: nope/);
    const invalid = await client.callTool({ name: 'echo', arguments: { text: 3 } });
    assert.equal(invalid.isError, true);
    assert.match(
      (invalid.content as { text: string }[])[0]?.text ?? '',
      /^Invalid arguments: \/text must be string/,
    );
  });

  it('a second client gets its own session; ending one leaves the other working', async () => {
    const other = await connect(fleet.url);
    assert.notEqual(other.transport.sessionId, transport.sessionId);
    await other.transport.terminateSession();
    await other.client.close();
    assert.deepEqual(await client.ping(), {});
  });
});
