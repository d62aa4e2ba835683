import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CallAbortedError } from '@mcp-fleet/sdk';
import { freePort, gatedTool, type ProviderProcess, spawnProvider, waitFor } from '@mcp-fleet/sdk/testing';
import { EVERYTHING } from './gateway-processes.js';
import {
  type Fleet,
  initialize,
  lastMessage,
  post,
  startFleet,
  type WatchedSession,
  watchedSession,
} from './support.js';

const slow = gatedTool('slow');

describe('provider faults', () => {
  let fleet: Fleet;
  let everything: ProviderProcess;
  let everythingPort: number;
  let watched: WatchedSession;

  const startEverything = () =>
    spawnProvider(EVERYTHING, [], {
      MCPFLEET_LISTEN: `127.0.0.1:${everythingPort}`,
      MCPFLEET_IDENTITY_JWKS: join(fleet.dir, 'jwks.json'),
      MCPFLEET_DRAIN_TIMEOUT: '1s',
    });

  before(async () => {
    everythingPort = await freePort();
    fleet = await startFleet(
      [{ name: 'lab', definitions: [slow.definition], toolTimeoutsMs: { slow: 300 } }],
      {},
      [
        {
          name: 'everything',
          target: `127.0.0.1:${everythingPort}`,
          prefix: 'ev',
          timeoutMs: 10_000,
          toolTimeoutsMs: {},
        },
      ],
    );
    everything = startEverything();
    await waitFor(() => fleet.gateway.registry.status().every((p) => p.up), 'both providers up', 15_000);
    watched = await watchedSession(fleet.url);
  });
  after(async () => {
    watched.close();
    everything.child.kill('SIGKILL');
    await fleet.close();
  });

  it('a provider slower than its tool timeout gives a timeout error and its handler is aborted', async () => {
    const gate = slow.reset();
    const { text } = await post(
      fleet.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'lab_slow', arguments: {} } },
      watched.headers(),
    );
    const error = lastMessage(text).error as { code: number; message: string };
    assert.equal(error.code, -32004);
    assert.match(error.message, /did not answer within 300 ms/);
    const reason = await gate.aborted.promise;
    assert.ok(reason instanceof CallAbortedError);
    assert.equal(reason.kind, 'deadline');
  });

  it('a provider killed mid-call: the caller gets a clear error, the session and gateway go on', async () => {
    assert.ok((await watched.toolNames()).includes('ev_echo'));
    // A 2025-06-18 session keeps its stream open for the whole ~200 ms of test_reconnection.
    const older = await initialize(fleet.url, '2025-06-18');
    const inFlight = post(
      fleet.url,
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'ev_test_reconnection', arguments: {} },
      },
      { 'mcp-session-id': older, 'mcp-protocol-version': '2025-06-18' },
    );
    await new Promise((resolve) => setTimeout(resolve, 80));
    everything.child.kill('SIGKILL');
    const { status, text } = await inFlight;
    assert.equal(status, 200);
    const answer = lastMessage(text);
    assert.equal(answer.id, 3);
    const error = answer.error as { code: number; message: string };
    assert.equal(error.code, -32003);
    assert.match(error.message, /Provider everything is unavailable/);
    const ping = await post(fleet.url, { jsonrpc: '2.0', id: 4, method: 'ping' }, watched.headers());
    assert.deepEqual(ping.json, { jsonrpc: '2.0', id: 4, result: {} });
  });

  it('hides a down provider tools, says why when one is called, and tells clients the list changed', async () => {
    await waitFor(
      () => !fleet.gateway.registry.status().find((p) => p.name === 'everything')?.up,
      'everything marked down',
    );
    assert.ok(!(await watched.toolNames()).includes('ev_echo'));
    assert.ok((await watched.toolNames()).includes('lab_slow'), 'other providers keep serving');
    await waitFor(() => watched.listChanges() >= 1, 'a tools/list_changed notification');
    const { json } = await post(
      fleet.url,
      { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'ev_echo', arguments: { text: 'x' } } },
      watched.headers(),
    );
    assert.deepEqual(json?.error, {
      code: -32003,
      message: 'The tool ev_echo is temporarily unavailable: provider everything is unreachable',
    });
  });

  it('brings the provider back when it returns, without a gateway restart', async () => {
    const before = watched.listChanges();
    everything = startEverything();
    await waitFor(() => fleet.gateway.registry.status().every((p) => p.up), 'everything back up', 15_000);
    assert.ok((await watched.toolNames()).includes('ev_echo'));
    await waitFor(() => watched.listChanges() > before, 'another tools/list_changed notification');
    const { json } = await post(
      fleet.url,
      {
        jsonrpc: '2.0',
        id: 6,
        method: 'tools/call',
        params: { name: 'ev_echo', arguments: { text: 'back' } },
      },
      watched.headers(),
    );
    assert.deepEqual(json?.result, { content: [{ type: 'text', text: 'back' }] });
  });
});
