import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gatedTool, waitFor } from '@mcp-fleet/sdk/testing';
import { openRawChannel } from './edge-clients.js';
import { type Answer, send, sendOnNewConnection } from './keep-alive.js';
import { type Fleet, initializeRequest, lastMessage, startFleet } from './support.js';

const slow = gatedTool('slow');
/** Answers at once: its gate is released before the call. */
const quick = gatedTool('quick');

const messageOf = (answer: Answer) =>
  String(answer.headers['content-type']).startsWith('text/event-stream')
    ? lastMessage(answer.body)
    : (JSON.parse(answer.body) as Record<string, unknown>);

describe('drain: a draining gateway takes no new connection but answers requests on open ones', () => {
  let fleet: Fleet;
  const agents: Agent[] = [];
  const keptAlive = () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };

  before(async () => {
    fleet = await startFleet([{ name: 'lab', definitions: [slow.definition, quick.definition] }], {
      MCPFLEET_DRAIN_TIMEOUT: '30s',
    });
    await waitFor(() => fleet.gateway.registry.status().every((p) => p.up), 'the provider up', 15_000);
  });
  after(async () => {
    for (const agent of agents) agent.destroy();
    await fleet.close();
  });

  it('serves a keep-alive request sent after the drain started, with Connection: close; refuses new connections', async () => {
    const caller = keptAlive();
    const probe = keptAlive();
    const opened = await send(caller, fleet.url, 'POST', initializeRequest());
    assert.equal(opened.status, 200);
    const session = String(opened.headers['mcp-session-id']);
    const sessionHeaders = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    await send(
      caller,
      fleet.url,
      'POST',
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      sessionHeaders,
    );
    const readyUrl = fleet.url.replace('/mcp', '/readyz');
    assert.equal((await send(probe, readyUrl, 'GET')).status, 200);

    // A call in flight holds the drain open, as real traffic does.
    const gate = slow.reset();
    const inFlight = send(
      keptAlive(),
      fleet.url,
      'POST',
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'lab_slow', arguments: {} },
      },
      sessionHeaders,
    );
    await gate.entered.promise;
    const drained = fleet.gateway.drain();

    const ready = await send(probe, readyUrl, 'GET');
    assert.equal(ready.reused, true);
    assert.equal(ready.status, 503, 'not ready from the start of the drain');

    quick.reset().release.resolve();
    const answered = await send(
      caller,
      fleet.url,
      'POST',
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'lab_quick', arguments: {} } },
      sessionHeaders,
    );
    assert.equal(answered.reused, true, 'sent on the connection opened before the drain');
    assert.equal(answered.status, 200, answered.body);
    assert.equal(answered.headers.connection, 'close');
    assert.deepEqual(messageOf(answered).result, { content: [{ type: 'text', text: 'released' }] });

    await assert.rejects(
      sendOnNewConnection(readyUrl, 'GET'),
      (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
      'a new connection is refused: the listener is closed',
    );

    gate.release.resolve();
    const finished = await inFlight;
    // Its headers may have gone before the drain (an SSE answer): no Connection header to assert.
    assert.equal(finished.status, 200);
    assert.deepEqual(messageOf(finished).result, { content: [{ type: 'text', text: 'released' }] });
    await drained;
  });
});

describe('drain: WebSocket and gRPC Sessions open before the drain go on being answered', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet([{ name: 'lab', definitions: [slow.definition, quick.definition] }], {
      MCPFLEET_DRAIN_TIMEOUT: '30s',
    });
    await waitFor(() => fleet.gateway.registry.status().every((p) => p.up), 'the provider up', 15_000);
  });
  after(() => fleet.close());

  it('answers a call sent on each after the drain started', async () => {
    const at = { http: fleet.url.replace('/mcp', ''), grpc: `127.0.0.1:${fleet.gateway.grpcPort}` };
    const channels = [await openRawChannel('websocket', at, {}), await openRawChannel('grpc', at, {})];
    const gate = slow.reset();
    const holding = channels[0]?.send({
      jsonrpc: '2.0',
      id: 'slow',
      method: 'tools/call',
      params: { name: 'lab_slow', arguments: {} },
    });
    await gate.entered.promise;
    const drained = fleet.gateway.drain();
    quick.reset().release.resolve();
    for (const channel of channels) {
      await channel.send({
        jsonrpc: '2.0',
        id: 'quick',
        method: 'tools/call',
        params: { name: 'lab_quick', arguments: {} },
      });
      await waitFor(
        () => channel.messages.some((m) => m.id === 'quick'),
        'the answer of a call sent while draining',
      );
      assert.deepEqual(channel.messages.find((m) => m.id === 'quick')?.result, {
        content: [{ type: 'text', text: 'released' }],
      });
    }
    await holding;
    gate.release.resolve();
    await drained;
    for (const channel of channels) await channel.close();
  });
});
