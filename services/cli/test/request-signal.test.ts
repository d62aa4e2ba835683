import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ownSignalPerRequest } from '../src/request-signal.js';

/**
 * A long-lived signal (a transport's) shared by many requests: each request's link to it lasts as
 * long as the request, so nothing piles up on it, and aborting it still ends an open stream.
 */
describe('a signal of its own per request, linked to the transport signal while the request is open', () => {
  let server: Server;
  let base: string;
  const streams = new Set<ServerResponse>();
  before(async () => {
    server = createServer((request, response) => {
      if (request.url === '/json') return response.end('{"ok":true}');
      if (request.url === '/stall') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"ok":');
        streams.add(response);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      if (request.url === '/sse-short') return response.end('data: two\n\n');
      streams.add(response);
      response.on('close', () => streams.delete(response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const s of streams) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;
  const linked = ownSignalPerRequest(fetch);

  it('2,000 answered requests leave no listener on the shared signal and no warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const transport = new AbortController();
    try {
      for (let i = 0; i < 2_000; i++) {
        const response = await linked(`${base}/json`, { signal: transport.signal });
        assert.deepEqual(await response.json(), { ok: true });
      }
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(listeners(transport.signal), 0);
    assert.deepEqual(
      warnings.map((w) => w.message),
      [],
    );
  });

  it('an event stream stays linked until it ends, and aborting the shared signal ends it', async () => {
    const transport = new AbortController();
    const short = await linked(`${base}/sse-short`, { signal: transport.signal });
    assert.equal(await short.text(), 'data: one\n\ndata: two\n\n');
    assert.equal(listeners(transport.signal), 0, 'unlinked once the stream ended');

    const open = await linked(`${base}/sse`, { signal: transport.signal });
    assert.equal(open.headers.get('content-type'), 'text/event-stream');
    const reader = (open.body as ReadableStream<Uint8Array>).getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'data: one\n\n');
    assert.equal(listeners(transport.signal), 1, 'linked while open');
    transport.abort(new Error('transport closed'));
    await assert.rejects(reader.read());
    assert.equal(listeners(transport.signal), 0);
  });

  it('a body stalled midway stays linked, and aborting the shared signal ends it', async () => {
    const transport = new AbortController();
    const stalled = await linked(`${base}/stall`, { signal: transport.signal });
    const text = stalled.text();
    assert.equal(listeners(transport.signal), 1);
    transport.abort(new Error('transport closed'));
    await assert.rejects(text);
    assert.equal(listeners(transport.signal), 0);
  });

  it('a cancelled stream, a refused connection and an aborted signal leave no link', async () => {
    const transport = new AbortController();
    const open = await linked(`${base}/sse`, { signal: transport.signal });
    await open.body?.cancel();
    assert.equal(listeners(transport.signal), 0, 'cancelled');
    await assert.rejects(linked('http://127.0.0.1:1/', { signal: transport.signal }));
    assert.equal(listeners(transport.signal), 0, 'refused');
    transport.abort();
    await assert.rejects(linked(`${base}/json`, { signal: transport.signal }), { name: 'AbortError' });
    assert.equal(listeners(transport.signal), 0, 'aborted before it was sent');
  });
});
