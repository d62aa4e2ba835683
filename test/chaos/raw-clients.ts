/**
 * Clients that misbehave on purpose, on raw sockets so nothing reads for them: idle MCP clients
 * holding their session's standalone SSE stream open, and a legacy-SSE client that may stop
 * reading its stream while its calls keep answering into it.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { request } from 'undici';
import { initialize, loadAgent, PROTOCOL_VERSION } from './mcp-http.js';

const ANSWER = /event: message\ndata: \{"jsonrpc":"2\.0","id":\d+,"(?:result|error)"/;

/** Resolves with the socket once the response head (status line and headers) has arrived. */
async function openStream(port: number, head: string): Promise<{ socket: Socket; response: string }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(head);
  let response = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      response += chunk.toString('latin1');
      if (!response.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      resolve({ socket, response });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`stream closed before its head: ${response.slice(0, 200)}`)));
  });
}

export interface IdleClients {
  /** Streams still open. */
  open(): number;
  close(): void;
}

/**
 * `count` sessions, each with its standalone SSE stream open on its own connection and nothing
 * else: idle agents. Opened `batch` at a time.
 */
export async function openIdleClients(port: number, count: number, batch = 200): Promise<IdleClients> {
  const agent = loadAgent();
  const sockets: Socket[] = [];
  let closed = 0;
  try {
    for (let start = 0; start < count; start += batch) {
      const size = Math.min(batch, count - start);
      const opened = await Promise.all(
        Array.from({ length: size }, async () => {
          const session = await initialize(agent, `http://127.0.0.1:${port}`, 'idle');
          const { socket, response } = await openStream(
            port,
            `GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\nMcp-Session-Id: ${session}\r\nMcp-Protocol-Version: ${PROTOCOL_VERSION}\r\n\r\n`,
          );
          if (!response.startsWith('HTTP/1.1 200')) throw new Error(`GET /mcp: ${response.slice(0, 200)}`);
          return socket;
        }),
      );
      for (const socket of opened) {
        // Idle, not slow: whatever trickles down (keepalive comments) is read and dropped.
        socket.resume();
        socket.on('error', () => {});
        socket.once('close', () => closed++);
        sockets.push(socket);
      }
    }
  } finally {
    await agent.close();
  }
  return {
    open: () => sockets.length - closed,
    close: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/**
 * A 2024-11-05 HTTP+SSE client: GET /sse gives the endpoint to POST messages to, and every answer
 * comes down the stream. With `read: false` it stops reading right after the endpoint event, as a
 * stuck or malicious client would; the gateway keeps answering into a stream nobody drains.
 */
export class LegacySseClient {
  private received = '';
  /** Answers seen on the stream (a reading client only). */
  answers = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly endpoint: string,
    private readonly port: number,
  ) {}

  static async open(port: number, read: boolean): Promise<LegacySseClient> {
    const { socket, response } = await openStream(
      port,
      `GET /sse HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    let text = response;
    while (!/data: (\/messages\?sessionId=\S+)\n/.test(text)) {
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      text += chunk.toString('latin1');
    }
    const endpoint = /data: (\/messages\?sessionId=\S+)\n/.exec(text)?.[1] as string;
    socket.on('error', () => {});
    const client = new LegacySseClient(socket, endpoint, port);
    if (read) socket.on('data', (chunk: Buffer) => client.take(chunk.toString('latin1')));
    else socket.pause();
    return client;
  }

  /** Counts complete answers (events carrying a result or an error) as they arrive. */
  private take(text: string): void {
    this.received += text;
    const events = this.received.split('\n\n');
    this.received = events.pop() ?? '';
    // Events arrive in chunked encoding: a chunk-size line may precede each one.
    for (const event of events) if (ANSWER.test(event)) this.answers++;
  }

  /** POSTs one message; resolves with the HTTP status (202 when the gateway took it). */
  async post(message: Record<string, unknown>): Promise<number> {
    const response = await request(`http://127.0.0.1:${this.port}${this.endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    });
    await response.body.dump();
    return response.statusCode;
  }

  /** initialize and notifications/initialized: afterwards tools can be called. */
  async start(): Promise<void> {
    await this.post({
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2024-11-05',
        capabilities: {},
        clientInfo: { name: 'legacy', version: '1' },
      },
    });
    await this.post({ method: 'notifications/initialized' });
  }

  close(): void {
    this.socket.destroy();
  }
}
