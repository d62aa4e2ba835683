import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ProviderProcess, spawnProvider, waitFor } from '@mcp-fleet/sdk/testing';
import { GATEWAY, type GatewayProcesses, startGatewayProcesses } from './gateway-processes.js';
import { openConnections, send, sendOnNewConnection } from './keep-alive.js';
import { MCP_HEADERS, post } from './support.js';

describe('gateway process', () => {
  let fleet: GatewayProcesses;
  let gateway: ProviderProcess;
  let base: string;
  let dir: string;

  before(async () => {
    fleet = await startGatewayProcesses(1);
    const [replica] = fleet.replicas;
    gateway = replica?.process as ProviderProcess;
    base = replica?.base as string;
    dir = fleet.dir;
  });
  after(() => fleet.close());

  it('refuses to start with a message naming the bad key', async () => {
    const bad = spawnProvider(GATEWAY, [], { MCPFLEET_PROVIDERS_FILE: join(dir, 'missing.yaml') });
    assert.equal(await bad.exited, 2);
    assert.match(bad.output(), /cannot read providers file .*missing\.yaml/);
    const none = spawnProvider(GATEWAY, ['--page-size', 'lots']);
    assert.equal(await none.exited, 2);
    assert.match(none.output(), /--page-size="lots": expected an integer/);
  });

  it('on SIGTERM: not ready, no new connection, kept-alive ones served with Connection: close, the in-flight call finishes, then exit 0', async () => {
    const url = `${base}/mcp`;
    const init = await post(url, {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: { sampling: {} },
        clientInfo: { name: 'drain', version: '1' },
      },
    });
    const session = init.headers.get('mcp-session-id') as string;
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    // The call waits for the client's sampling answer: in flight for as long as the test wants.
    const call = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'test_sampling', arguments: { prompt: 'p' } },
    };
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...headers },
      body: JSON.stringify(call),
    });
    const reader = (response.body as ReadableStream<Uint8Array>)
      .pipeThrough(new TextDecoderStream())
      .getReader();
    let text = '';
    const readUntilMessage = async (match: (m: Record<string, unknown>) => boolean) => {
      for (;;) {
        const found = text
          .split('\n')
          .filter((line) => line.startsWith('data: {'))
          .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>)
          .find(match);
        if (found) return found;
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended without the expected message:\n${text}`);
        text += value;
      }
    };
    const sampling = await readUntilMessage((m) => m.method === 'sampling/createMessage');

    // Two connections kept alive from before the signal: the drain serves what they carry.
    const kept = await openConnections(base, 2);
    gateway.child.kill('SIGTERM');
    await waitFor(() => gateway.output().includes('stopping'), 'the gateway to start draining');
    const ready = await send(kept, `${base}/readyz`, 'GET');
    assert.deepEqual([ready.reused, ready.status, ready.headers.connection], [true, 503, 'close']);
    await assert.rejects(
      sendOnNewConnection(`${base}/readyz`, 'GET'),
      (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
      'no new connection once draining',
    );

    const answer = {
      jsonrpc: '2.0',
      id: sampling.id,
      result: { role: 'assistant', content: { type: 'text', text: 'bye' }, model: 'm' },
    };
    const taken = await send(kept, url, 'POST', answer, headers);
    assert.deepEqual([taken.reused, taken.status, taken.headers.connection], [true, 202, 'close']);
    const result = await readUntilMessage((m) => m.id === 1);
    assert.deepEqual(result.result, { content: [{ type: 'text', text: 'LLM response: bye' }] });
    assert.equal(await gateway.exited, 0, gateway.output());
  });
});
