import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineResource, defineTool } from '@mcp-fleet/sdk';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { type EventStream, type Fleet, initialize, openEvents, post, startFleet } from './support.js';

const tool = (name: string) =>
  defineTool({ name, description: name, inputSchema: { type: 'object' }, handler: () => name });
const board = defineResource({
  uri: 'board://today',
  name: 'board',
  subscribable: true,
  read: () => [{ uri: 'board://today', text: 'x' }],
});

describe('notifications on the standalone stream', () => {
  let fleet: Fleet;
  let session: string;
  let events: EventStream;

  before(async () => {
    fleet = await startFleet([{ name: 'lab', definitions: [tool('one'), board] }], {
      MCPFLEET_SESSION_TTL: '10s',
      // Tools this provider adds while connected are what the test watches, not held changes.
      MCPFLEET_PINNING_NEW_TOOLS: 'allow',
    });
    session = await initialize(fleet.url);
    events = await openEvents(fleet.url, session);
    await waitFor(() => events.ids.length >= 1, 'the priming event');
  });
  after(async () => {
    events.close();
    await fleet.close();
  });

  const headers = () => ({ 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });

  it('a provider changing its catalog (WatchCatalog) shows up in tools/list and as list_changed', async () => {
    fleet.providers.get('lab')?.setDefinitions([tool('one'), tool('two'), board]);
    await waitFor(
      () => events.messages.some((m) => m.method === 'notifications/tools/list_changed'),
      'tools/list_changed',
    );
    const { json } = await post(fleet.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, headers());
    assert.deepEqual(
      (json?.result as { tools: { name: string }[] }).tools.map((t) => t.name),
      ['lab_one', 'lab_two'],
    );
    assert.ok(
      !events.messages.some((m) => m.method === 'notifications/resources/list_changed'),
      'resources did not change',
    );
  });

  it('resources/updated reaches a subscribed session only, and stops after unsubscribe', async () => {
    const updates = () => events.messages.filter((m) => m.method === 'notifications/resources/updated');
    fleet.providers.get('lab')?.resourceUpdated('board://today');
    await sleep(100);
    assert.equal(updates().length, 0, 'not subscribed yet');
    await post(
      fleet.url,
      { jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: 'board://today' } },
      headers(),
    );
    fleet.providers.get('lab')?.resourceUpdated('board://today');
    await waitFor(() => updates().length === 1, 'one resources/updated');
    assert.deepEqual(updates()[0]?.params, { uri: 'board://today' });
    await post(
      fleet.url,
      { jsonrpc: '2.0', id: 3, method: 'resources/unsubscribe', params: { uri: 'board://today' } },
      headers(),
    );
    fleet.providers.get('lab')?.resourceUpdated('board://today');
    await sleep(100);
    assert.equal(updates().length, 1);
  });

  it('a standalone stream resumed by Last-Event-ID receives notifications again', async () => {
    const last = events.ids.at(-1) as string;
    events.close();
    fleet.providers.get('lab')?.setDefinitions([tool('one'), board]);
    await sleep(100);
    // Nothing was connected: that change went to no stream (clients re-list after reconnecting).
    events = await openEvents(fleet.url, session, last);
    assert.equal(events.status, 200);
    fleet.providers.get('lab')?.setDefinitions([tool('one'), tool('three'), board]);
    await waitFor(
      () => events.messages.some((m) => m.method === 'notifications/tools/list_changed'),
      'list_changed after resuming',
    );
  });

  it('an idle session expires after its TTL and is answered 404', async () => {
    const short = await startFleet([{ name: 'lab', definitions: [tool('one')] }], {
      MCPFLEET_SESSION_TTL: '200ms',
    });
    try {
      const id = await initialize(short.url);
      assert.equal(
        (await post(short.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': id })).status,
        200,
      );
      await sleep(350);
      assert.equal(
        (await post(short.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': id })).status,
        404,
      );
    } finally {
      await short.close();
    }
  });
});
