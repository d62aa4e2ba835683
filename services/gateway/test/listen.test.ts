import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
import { catalogChanges, definitions, WATCHED_RESOURCE } from '@mcp-fleet/provider-everything';
import type { ProviderHandle } from '@mcp-fleet/sdk';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { transportForEdge } from './edge-clients.js';
import { openListen, tagOf } from './listen-support.js';
import { modernRequest, postModern } from './modern.js';
import { redisUrl } from './redis-support.js';
import { type Fleet, initialize, post, startFleet } from './support.js';

const everything = { name: 'everything', prefix: '', definitions };
const ALL_LISTS = { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true };

/** Calls a trigger tool as a 2026 client would, through the gateway at `url`. */
async function trigger(url: string, tool: 'test_trigger_tool_change' | 'test_trigger_prompt_change') {
  const { json } = await postModern(
    url,
    modernRequest(`t-${tool}`, 'tools/call', { name: tool, arguments: {} }),
  );
  assert.equal((json?.result as { isError?: boolean } | undefined)?.isError, undefined, JSON.stringify(json));
}

describe('subscriptions/listen (MCP 2026-07-28) on one replica', () => {
  let fleet: Fleet;
  before(async () => {
    // The everything provider adds and removes test_dynamic_tool: a spec fixture, its new tools allowed.
    fleet = await startFleet([everything], {
      MCPFLEET_MAX_LISTEN_STREAMS: '3',
      MCPFLEET_PINNING_NEW_TOOLS: 'allow',
    });
    catalogChanges.attach(fleet.providers.get('everything') as ProviderHandle, definitions);
  });
  after(() => fleet.close());

  it('server/discover announces list changes and resource subscriptions, since listen delivers them', async () => {
    const { json } = await postModern(fleet.url, modernRequest(1, 'server/discover'));
    const capabilities = (json?.result as { capabilities: Record<string, unknown> }).capabilities;
    assert.deepEqual(capabilities.tools, { listChanged: true });
    assert.deepEqual(capabilities.prompts, { listChanged: true });
    assert.deepEqual(capabilities.resources, { subscribe: true, listChanged: true });
  });

  it('acknowledges first with the honoured filter, tagged with the request id as a number', async () => {
    const listen = await openListen(fleet.url, 1700000000000, {
      toolsListChanged: true,
      promptsListChanged: false,
      resourceSubscriptions: [WATCHED_RESOURCE, WATCHED_RESOURCE],
    });
    try {
      assert.equal(listen.status, 200);
      assert.equal(listen.contentType, 'text/event-stream');
      const ack = await listen.next('notifications/subscriptions/acknowledged');
      assert.equal(listen.messages[0], ack);
      assert.strictEqual(tagOf(ack), 1700000000000);
      assert.deepEqual((ack.params as Record<string, unknown>).notifications, {
        toolsListChanged: true,
        resourceSubscriptions: [WATCHED_RESOURCE],
      });
    } finally {
      listen.close();
    }
  });

  it('delivers list changes and resource updates only as the filter asks, each tagged with a string id kept a string', async () => {
    const tools = await openListen(fleet.url, 'tools-1', { toolsListChanged: true });
    const prompts = await openListen(fleet.url, 7, { promptsListChanged: true });
    const updates = await openListen(fleet.url, 'res', { resourceSubscriptions: [WATCHED_RESOURCE] });
    try {
      for (const l of [tools, prompts, updates]) await l.next('notifications/subscriptions/acknowledged');
      await trigger(fleet.url, 'test_trigger_tool_change');
      const changed = await tools.next('notifications/tools/list_changed');
      assert.strictEqual(tagOf(changed), 'tools-1');
      await trigger(fleet.url, 'test_trigger_prompt_change');
      assert.strictEqual(tagOf(await prompts.next('notifications/prompts/list_changed')), 7);
      fleet.providers.get('everything')?.resourceUpdated(WATCHED_RESOURCE);
      fleet.providers.get('everything')?.resourceUpdated('test://static-text');
      const updated = await updates.next('notifications/resources/updated');
      assert.deepEqual(updated.params, {
        uri: WATCHED_RESOURCE,
        _meta: { 'io.modelcontextprotocol/subscriptionId': 'res' },
      });
      await sleep(200);
      const methods = (l: typeof tools) => l.messages.map((m) => m.method);
      assert.deepEqual(methods(tools), [
        'notifications/subscriptions/acknowledged',
        'notifications/tools/list_changed',
      ]);
      assert.deepEqual(methods(prompts), [
        'notifications/subscriptions/acknowledged',
        'notifications/prompts/list_changed',
      ]);
      assert.deepEqual(methods(updates), [
        'notifications/subscriptions/acknowledged',
        'notifications/resources/updated',
      ]);
    } finally {
      for (const l of [tools, prompts, updates]) l.close();
      await trigger(fleet.url, 'test_trigger_tool_change');
      await trigger(fleet.url, 'test_trigger_prompt_change');
    }
  });

  it('refuses a filter that is missing or malformed, and task ids without the tasks extension, by the request id', async () => {
    const missing = await postModern(fleet.url, modernRequest('m1', 'subscriptions/listen'));
    assert.equal(missing.json?.id, 'm1');
    assert.equal((missing.json?.error as { code: number }).code, ErrorCode.InvalidParams);
    const malformed = await postModern(
      fleet.url,
      modernRequest('m2', 'subscriptions/listen', { notifications: { resourceSubscriptions: 'test://x' } }),
    );
    assert.equal((malformed.json?.error as { code: number }).code, ErrorCode.InvalidParams);
    const tasks = await postModern(
      fleet.url,
      modernRequest('m3', 'subscriptions/listen', { notifications: { taskIds: ['t1'] } }),
    );
    assert.equal(tasks.status, 400);
    assert.deepEqual(tasks.json?.error, {
      code: ErrorCode.MissingClientCapability,
      message: 'notifications.taskIds needs the io.modelcontextprotocol/tasks extension',
      data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } },
    });
  });

  it('caps the open streams of a replica with a clear 429, and a client closing its stream frees its place', async () => {
    const open = await Promise.all([1, 2, 3].map((id) => openListen(fleet.url, id, ALL_LISTS)));
    for (const l of open) await l.next('notifications/subscriptions/acknowledged');
    const refused = await postModern(
      fleet.url,
      modernRequest(4, 'subscriptions/listen', { notifications: ALL_LISTS }),
    );
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '5');
    const error = refused.json?.error as { code: number; message: string };
    assert.equal(refused.json?.id, 4);
    assert.equal(error.code, ErrorCode.RateLimited);
    assert.match(error.message, /at most 3 subscriptions\/listen streams.*MCPFLEET_MAX_LISTEN_STREAMS/);
    open[0]?.close();
    await waitFor(() => fleet.gateway.listen.count === 2, 'the closed stream let go');
    const again = await openListen(fleet.url, 5, ALL_LISTS);
    assert.equal(again.status, 200);
    again.close();
    for (const l of open) l.close();
  });

  it('serves listen on the WebSocket and gRPC edges too: notifications/cancelled or the channel closing ends it', async () => {
    const at = { http: new URL(fleet.url).origin, grpc: `127.0.0.1:${fleet.gateway.grpcPort}` };
    for (const edge of ['websocket', 'grpc'] as const) {
      const transport = transportForEdge(edge, at, {});
      const messages: Record<string, unknown>[] = [];
      transport.onmessage = (message) => messages.push(message as Record<string, unknown>);
      await transport.start();
      const listen = (id: string) =>
        transport.send(
          modernRequest(id, 'subscriptions/listen', { notifications: { toolsListChanged: true } }) as never,
        );
      await listen(`${edge}-1`);
      await waitFor(
        () => messages.some((m) => m.method === 'notifications/subscriptions/acknowledged'),
        `${edge} ack`,
      );
      await trigger(fleet.url, 'test_trigger_tool_change');
      await waitFor(
        () => messages.some((m) => m.method === 'notifications/tools/list_changed'),
        `${edge} change`,
      );
      assert.strictEqual(
        tagOf(messages.find((m) => m.method === 'notifications/tools/list_changed')),
        `${edge}-1`,
      );
      await transport.send({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: `${edge}-1` },
      });
      await waitFor(() => fleet.gateway.listen.count === 0, `${edge}: cancelled`);
      await listen(`${edge}-2`);
      await waitFor(() => fleet.gateway.listen.count === 1, `${edge}: listening again`);
      await transport.close();
      await waitFor(() => fleet.gateway.listen.count === 0, `${edge}: the channel closed`);
      await trigger(fleet.url, 'test_trigger_tool_change');
    }
  });

  it('leaves 2025 sessions as they were: subscriptions/listen is no method of theirs', async () => {
    const session = await initialize(fleet.url);
    const { json } = await post(
      fleet.url,
      { jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: ALL_LISTS } },
      { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
    );
    assert.equal((json?.error as { code: number }).code, ErrorCode.MethodNotFound);
  });
});

describe('subscriptions/listen across two replicas sharing Redis', () => {
  let fleet: Fleet;
  before(async () => {
    // The everything provider adds and removes test_dynamic_tool: a spec fixture, its new tools allowed.
    fleet = await startFleet(
      [everything],
      { REDIS_URL: redisUrl(), MCPFLEET_PINNING_NEW_TOOLS: 'allow' },
      [],
      2,
    );
    catalogChanges.attach(fleet.providers.get('everything') as ProviderHandle, definitions);
  });
  after(() => fleet.close());

  it('a stream on replica B hears of a change made through replica A', async () => {
    const [a, b] = fleet.urls as [string, string];
    const listen = await openListen(b, 'on-b', { toolsListChanged: true });
    try {
      await listen.next('notifications/subscriptions/acknowledged');
      await trigger(a, 'test_trigger_tool_change');
      assert.strictEqual(tagOf(await listen.next('notifications/tools/list_changed')), 'on-b');
    } finally {
      listen.close();
      await trigger(a, 'test_trigger_tool_change');
    }
  });
});

describe('subscriptions/listen while the gateway drains', () => {
  it('ends its streams with the listen result, tagged, instead of holding the drain', async () => {
    const fleet = await startFleet([everything]);
    const listen = await openListen(fleet.url, 99, { promptsListChanged: true });
    await listen.next('notifications/subscriptions/acknowledged');
    const started = Date.now();
    await fleet.close();
    await listen.ended;
    assert.ok(Date.now() - started < 5_000, 'the drain did not wait for the stream');
    const last = listen.messages.at(-1);
    assert.equal(last?.id, 99);
    assert.equal((last?.result as { resultType: string }).resultType, 'complete');
    assert.strictEqual(tagOf(last), 99);
  });
});
