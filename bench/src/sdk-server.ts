import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/**
 * The baseline the gateway must outrun: the official TypeScript SDK (v1) answering the same echo
 * tool directly, in one process, over Streamable HTTP with sessions, as its README's stateful
 * example does. JSON answers (no SSE framing) make it the SDK's fastest shape, so the ratio is a
 * conservative one. Listens on MCPFLEET_LISTEN (host:port).
 */
const [host, port] = (process.env.MCPFLEET_LISTEN ?? '127.0.0.1:0').split(':') as [string, string];
const transports = new Map<string, StreamableHTTPServerTransport>();

function echoServer(): McpServer {
  const server = new McpServer({ name: 'sdk-echo', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns the given text unchanged.', inputSchema: { text: z.string().max(1_048_576) } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function sessionFor(body: unknown, id: string | undefined) {
  const known = id ? transports.get(id) : undefined;
  if (known || !isInitializeRequest(body)) return known;
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    enableJsonResponse: true,
    onsessioninitialized: (sessionId) => {
      transports.set(sessionId, transport);
    },
  });
  await echoServer().connect(transport);
  return transport;
}

const http = createServer(async (request, response) => {
  try {
    const body = request.method === 'POST' ? await readJson(request) : undefined;
    const transport = await sessionFor(body, request.headers['mcp-session-id'] as string | undefined);
    if (!transport) {
      response.writeHead(400).end('no session');
      return;
    }
    await transport.handleRequest(request, response, body);
  } catch (err) {
    if (!response.headersSent) response.writeHead(500).end(String(err));
  }
});
http.keepAliveTimeout = 60_000;
http.listen(Number(port), host);
process.on('SIGTERM', () => process.exit(0));
