import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { definitions } from '@mcp-fleet/provider-everything';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { WebSocket } from 'ws';
import { type Fleet, post, startFleet } from './support.js';

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'edges', version: '1' } },
});

describe('edge specifics', () => {
  let fleet: Fleet;
  let ws: string;

  before(async () => {
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }], {
      MCPFLEET_BODY_LIMIT: '2097152',
    });
    ws = `${fleet.url.replace(/^http/, 'ws').replace(/\/mcp$/, '')}/ws`;
  });
  after(() => fleet.close());

  const open = async (protocols: string[] = ['mcp']) => {
    const socket = new WebSocket(ws, protocols);
    await once(socket, 'open');
    return socket;
  };
  const closed = async (socket: WebSocket) => {
    const [code, reason] = (await once(socket, 'close')) as [number, Buffer];
    return { code, reason: reason.toString() };
  };

  it('WebSocket: needs the mcp subprotocol', async () => {
    const socket = new WebSocket(ws, ['chat']);
    const [error] = (await once(socket, 'error')) as [Error];
    assert.match(error.message, /Unexpected server response: 400/);
  });

  it('WebSocket: a binary frame closes with 1003, a frame over the limit with 1009', async () => {
    const binary = await open();
    binary.send(Buffer.from([1, 2, 3]));
    assert.equal((await closed(binary)).code, 1003);
    const big = await open();
    big.send('x'.repeat(3 * 1024 * 1024));
    assert.equal((await closed(big)).code, 1009);
  });

  it('WebSocket: a malformed message gets a JSON-RPC error and the connection stays up', async () => {
    const socket = await open();
    const replies: unknown[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
    socket.send('{not json');
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
    socket.send(INIT);
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }));
    while (replies.length < 4) await once(socket, 'message');
    assert.equal((replies[0] as { error: { code: number } }).error.code, -32700);
    assert.match((replies[1] as { error: { message: string } }).error.message, /send initialize first/);
    assert.deepEqual(replies[3], { jsonrpc: '2.0', id: 2, result: {} });
    socket.close();
  });

  it('WebSocket: a client that stops reading is disconnected with 1013 before memory grows without bound', async () => {
    let sentClose = false;
    fleet.gateway.app.server.once('upgrade', (_request, gatewaySide: Socket) => {
      const write = gatewaySide.write.bind(gatewaySide) as (chunk: Buffer, ...rest: unknown[]) => boolean;
      gatewaySide.write = ((chunk: Buffer, ...rest: unknown[]) => {
        // A WebSocket close frame starts with FIN + opcode 8.
        if (Buffer.isBuffer(chunk) && chunk[0] === 0x88) sentClose = true;
        return write(chunk, ...rest);
      }) as Socket['write'];
    });
    const socket = await open();
    socket.send(INIT);
    await once(socket, 'message');
    // Stop reading: the server's unsent messages pile up on its side.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const text = 'y'.repeat(1024 * 1024);
    for (let i = 0; i < 40; i++) {
      socket.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 10 + i,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text } },
        }),
      );
    }
    const closing = closed(socket);
    // Still not reading until the gateway gave up on this client: with answers as quick as the
    // provider's Calls stream makes them, reading again any sooner lets the queue drain.
    await waitFor(() => sentClose, 'the gateway sends a close frame', 15_000);
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code, reason } = await closing;
    assert.equal(code, 1013);
    assert.match(reason, /client too slow/);
  });

  it('legacy SSE: a POST to an unknown connection is 404', async () => {
    const response = await post(`${fleet.url.replace(/\/mcp$/, '')}/messages?sessionId=nobody`, {
      jsonrpc: '2.0',
      id: 1,
      method: 'ping',
    });
    assert.equal(response.status, 404);
  });

  it('gRPC: server reflection lists the edge service', async () => {
    const require = createRequire(import.meta.url);
    const proto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1alpha/reflection.proto');
    const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(proto)) as unknown as {
      grpc: { reflection: { v1alpha: { ServerReflection: grpc.ServiceClientConstructor } } };
    };
    const client = new loaded.grpc.reflection.v1alpha.ServerReflection(
      `127.0.0.1:${fleet.gateway.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    const stream = (
      client as unknown as {
        ServerReflectionInfo(): grpc.ClientDuplexStream<
          unknown,
          { listServicesResponse?: { service: { name: string }[] } }
        >;
      }
    ).ServerReflectionInfo();
    stream.write({ listServices: '' });
    const [answer] = (await once(stream, 'data')) as [
      { listServicesResponse?: { service: { name: string }[] } },
    ];
    stream.end();
    client.close();
    assert.ok(answer.listServicesResponse?.service.some((s) => s.name === 'mcpfleet.edge.v1.McpEdge'));
  });
});
