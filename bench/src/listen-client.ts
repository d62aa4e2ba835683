import { connect, type Socket } from 'node:net';

/**
 * Opens N `subscriptions/listen` streams (MCP 2026-07-28) on the gateway at 127.0.0.1:<port>,
 * one raw HTTP/1.1 connection each, reports `{ open, failed }` to its parent when all have their
 * answer headers, and holds them until it is killed. Raw sockets keep this process light.
 */
const [port, count] = process.argv.slice(2).map(Number) as [number, number];
const BATCH = 200;
const MODERN = '2026-07-28';
const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'subscriptions/listen',
  params: {
    notifications: { toolsListChanged: true },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'bench-listen', version: '1' },
    },
  },
});
const request = [
  'POST /mcp HTTP/1.1',
  `host: 127.0.0.1:${port}`,
  'content-type: application/json',
  'accept: application/json, text/event-stream',
  `mcp-protocol-version: ${MODERN}`,
  'mcp-method: subscriptions/listen',
  `content-length: ${Buffer.byteLength(body)}`,
  '',
  body,
].join('\r\n');

const sockets: Socket[] = [];

/** Resolves true once the stream's answer is a 200 event stream. */
function open(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    sockets.push(socket);
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.resume();
      resolve(head.startsWith('HTTP/1.1 200') && head.toLowerCase().includes('text/event-stream'));
    };
    socket.on('data', onData);
    socket.on('error', () => resolve(false));
  });
}

let opened = 0;
let failed = 0;
for (let i = 0; i < count; i += BATCH) {
  const results = await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, open));
  for (const ok of results) ok ? opened++ : failed++;
}
process.send?.({ open: opened, failed });
