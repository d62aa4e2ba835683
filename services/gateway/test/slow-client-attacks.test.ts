import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { defineTool } from '@mcp-fleet/sdk';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { MAX_BUFFERED_BYTES } from '../src/transports/slow-client.js';
import { type Fleet, initialize, MCP_HEADERS, post, startFleet } from './support.js';

const MB = 1024 * 1024;
/** More than the gateway may queue for one stream, several times over. */
const ANSWERS = 64;

const big = defineTool<{ steps?: number }>({
  name: 'big',
  description: 'Answers 1 MB of text; with a progress token, first sends `steps` progress messages of 1 MB.',
  inputSchema: { type: 'object', properties: { steps: { type: 'number' } } },
  handler: ({ steps = 0 }, ctx) => {
    for (let step = 0; step < steps; step++) ctx.progress(step, steps, 'p'.repeat(MB));
    return 'x'.repeat(MB);
  },
});

/** What the gateway queued on its responses: the most at any write, writes, and which were cut off. */
interface Watched {
  maxBuffered: number;
  writes: number;
  destroyed: number;
}

function watchSseResponses(server: Server): Watched {
  const watched: Watched = { maxBuffered: 0, writes: 0, destroyed: 0 };
  server.on('request', (_request, response: ServerResponse) => {
    const write = response.write.bind(response) as (chunk: string) => boolean;
    response.write = ((chunk: string) => {
      const accepted = write(chunk);
      watched.writes += 1;
      watched.maxBuffered = Math.max(watched.maxBuffered, response.writableLength);
      return accepted;
    }) as ServerResponse['write'];
    response.on('close', () => {
      if (!response.writableFinished) watched.destroyed += 1;
    });
  });
  return watched;
}

/** Sends one raw HTTP request and then never reads the answer (the socket stays paused). */
async function neverReading(
  port: number,
  head: string,
  body = '',
): Promise<{ socket: Socket; text: string }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {});
  socket.write(`${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  socket.pause();
  return { socket, text: chunk.toString('latin1') };
}

describe('slow-client attacks: a client that never reads its SSE stream', () => {
  let fleet: Fleet;
  let watched: Watched;
  let port: number;
  const sockets: Socket[] = [];

  before(async () => {
    fleet = await startFleet([{ name: 'lab', definitions: [big] }]);
    port = (fleet.gateway.app.server.address() as { port: number }).port;
    watched = watchSseResponses(fleet.gateway.app.server);
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await fleet.close();
  });

  it('legacy SSE: large answers into an unread stream close it at the buffer limit', async () => {
    const { socket, text } = await neverReading(
      port,
      'GET /sse HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream',
    );
    sockets.push(socket);
    const endpoint = /data: (\/messages\?sessionId=\S+)\n/.exec(text)?.[1];
    assert.ok(endpoint, `an endpoint event in ${JSON.stringify(text)}`);
    const send = async (message: Record<string, unknown>) =>
      (
        await fetch(`http://127.0.0.1:${port}${endpoint}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', ...message }),
        })
      ).status;
    const destroyedBefore = watched.destroyed;
    assert.equal(
      await send({
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2024-11-05',
          capabilities: {},
          clientInfo: { name: 'slow', version: '1' },
        },
      }),
      202,
    );
    await send({ method: 'notifications/initialized' });
    let sent = 0;
    for (let id = 1; id <= ANSWERS && watched.destroyed === destroyedBefore; id++) {
      const writes = watched.writes;
      if ((await send({ id, method: 'tools/call', params: { name: 'lab_big', arguments: {} } })) !== 202)
        break;
      sent += 1;
      await waitFor(
        () => watched.writes > writes || watched.destroyed > destroyedBefore,
        'the answer written or the stream closed',
      );
    }
    await waitFor(
      () => watched.destroyed > destroyedBefore,
      `the stream closed after ${sent} answers of 1 MB`,
    );
    assert.ok(sent < ANSWERS, `closed after ${sent} of ${ANSWERS} answers`);
    assert.ok(
      watched.maxBuffered <= MAX_BUFFERED_BYTES + 2 * MB,
      `at most the limit plus one answer queued, saw ${watched.maxBuffered}`,
    );
    assert.notEqual(await send({ id: 'late', method: 'ping' }), 202, 'the closed connection is forgotten');
    const other = await initialize(fleet.url);
    const ping = await post(
      fleet.url,
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { 'mcp-session-id': other, 'mcp-protocol-version': '2025-11-25' },
    );
    assert.deepEqual(ping.json, { jsonrpc: '2.0', id: 1, result: {} }, 'other clients are served');
  });

  it('legacy SSE: a post to a stream that is gone is refused before its body is read', async () => {
    // A client announces 3 MB and sends a few bytes: the refusal must not wait for (or hold) the
    // rest, which a caller posting to dead streams would otherwise make the gateway read each time.
    const stream = await neverReading(
      port,
      'GET /sse HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream',
    );
    sockets.push(stream.socket);
    const replica = /sessionId=([^.\s]+)\./.exec(stream.text)?.[1];
    assert.ok(replica, `a connection id naming its replica in ${JSON.stringify(stream.text)}`);
    // This replica's stream that was never opened, and replicas no gateway could be.
    for (const connectionId of [`${replica}.never-opened`, 'mcpfleet:replica:*.x', '.x', 'x']) {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      await once(socket, 'connect');
      socket.on('error', () => {});
      let answer = '';
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
      });
      socket.write(
        `POST /messages?sessionId=${encodeURIComponent(connectionId)} HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
          `content-type: application/json\r\ncontent-length: ${3 * MB}\r\n\r\n{"jsonrpc":`,
      );
      await waitFor(
        () => answer.includes('\r\n\r\n'),
        `an answer for ${connectionId} before the body`,
        15_000,
      );
      assert.match(answer, /^HTTP\/1\.1 404 /, `${connectionId}: ${answer}`);
    }
  });

  it('Streamable HTTP: a response stream nobody reads is closed at the buffer limit', async () => {
    const sessionId = await initialize(fleet.url);
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'lab_big', arguments: { steps: ANSWERS }, _meta: { progressToken: 'p' } },
    });
    const headers = Object.entries({
      ...MCP_HEADERS,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
    })
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n');
    const destroyedBefore = watched.destroyed;
    watched.maxBuffered = 0;
    const { socket } = await neverReading(port, `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\n${headers}`, body);
    sockets.push(socket);
    await waitFor(() => watched.destroyed > destroyedBefore, 'the unread stream closed', 30_000);
    assert.ok(
      watched.maxBuffered <= MAX_BUFFERED_BYTES + 2 * MB,
      `at most the limit plus one message queued, saw ${watched.maxBuffered}`,
    );
  });
});
