import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type CallToolResult,
  Client,
  type Progress,
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { transportFor } from '../src/index.js';
import { startTestFleet, type TestFleet } from './fleet.js';

type Edge = 'streamable-http' | 'legacy-sse' | 'websocket' | 'grpc';

const urlOf = (edge: Edge, fleet: TestFleet) =>
  ({
    'streamable-http': `${fleet.http}/mcp`,
    'legacy-sse': `${fleet.http}/sse`,
    websocket: `${fleet.http.replace(/^http/, 'ws')}/ws`,
    grpc: `grpc://${fleet.grpc}`,
  })[edge];

/** The legacy HTTP+SSE edge speaks only the 2024-11-05 and 2025 revisions. */
const MODERN_EDGES: Edge[] = ['streamable-http', 'websocket', 'grpc'];

/** Two ways to ask: `auto` (the probe, 2026-07-28 where the edge has it) and the plain 2025 handshake. */
const MODES: { mode: VersionNegotiationMode; era: (edge: Edge) => 'modern' | 'legacy' }[] = [
  { mode: 'auto', era: (edge) => (MODERN_EDGES.includes(edge) ? 'modern' : 'legacy') },
  { mode: 'legacy', era: () => 'legacy' },
];

const text = (result: CallToolResult) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

/**
 * The official SDK v2 client, connected over an edge with the transports the fleet client uses
 * (the SDK's own for Streamable HTTP and legacy SSE, the fleet's for WebSocket and gRPC, which the
 * SDK has none of), declaring elicitation and answering it the way a person would.
 */
async function connect(edge: Edge, fleet: TestFleet, mode: VersionNegotiationMode): Promise<Client> {
  const client = new Client(
    { name: `e2e-${edge}`, version: '1.0.0' },
    { capabilities: { elicitation: {} }, versionNegotiation: { mode } },
  );
  client.setRequestHandler('elicitation/create', async () => ({
    action: 'accept',
    content: { username: 'ann', email: 'ann@example.com' },
  }));
  await client.connect(transportFor(new URL(urlOf(edge, fleet)), {}));
  return client;
}

describe('the official MCP client (SDK v2) against the gateway, in both revisions', () => {
  let fleet: TestFleet;
  before(async () => {
    // The everything provider adds and removes test_dynamic_tool: a spec fixture, its new tools allowed.
    fleet = await startTestFleet({ env: { MCPFLEET_PINNING_NEW_TOOLS: 'allow' } });
  });
  after(async () => {
    await fleet?.close();
  });

  for (const edge of ['streamable-http', 'legacy-sse', 'websocket', 'grpc'] as const)
    for (const { mode, era } of MODES)
      it(`${edge}, ${mode}: lists, calls with progress, refuses in-band, and asks the user`, async () => {
        const client = await connect(edge, fleet, mode);
        try {
          assert.equal(client.getProtocolEra(), era(edge));
          const { tools } = await client.listTools();
          assert.ok(tools.some((t) => t.name === 'ev_echo'));
          assert.equal(text(await client.callTool({ name: 'ev_echo', arguments: { text: 'hi' } })), 'hi');

          const progress: Progress[] = [];
          await client.callTool(
            { name: 'ev_test_tool_with_progress', arguments: {} },
            { onprogress: (p) => progress.push(p) },
          );
          // Non-decreasing from 0. Not all three on every edge: on legacy SSE the last one sometimes
          // comes after the result (the gateway's ordering there), when the SDK has stopped listening.
          const values = progress.map((p) => p.progress);
          assert.equal(values[0], 0);
          assert.ok(values.length >= 2, `progress: ${values}`);
          assert.deepEqual(
            values,
            [...values].sort((a, b) => a - b),
          );

          await assert.rejects(
            client.callTool({ name: 'ev_nope', arguments: {} }),
            (err: unknown) => err instanceof ProtocolError && err.code === ProtocolErrorCode.InvalidParams,
          );

          // 2025: a server→client request the SDK answers; 2026: input_required, which its driver
          // fulfils through the same handler and retries with the answer.
          const asked = await client.callTool({
            name: 'ev_test_elicitation',
            arguments: { message: 'who?' },
          });
          assert.match(text(asked), /action=accept, content=\{"username":"ann","email":"ann@example.com"\}/);

          if (era(edge) === 'modern') {
            assert.ok((await client.discover()).supportedVersions.includes('2026-07-28'));
            assert.equal(client.getServerVersion()?.name, 'mcp-fleet-gateway');
            await assert.rejects(
              client.ping(),
              (err: unknown) =>
                err instanceof SdkError && err.code === SdkErrorCode.MethodNotSupportedByProtocolVersion,
            );
            assert.equal(client.transport?.sessionId, undefined, 'no session in 2026');
          } else {
            await client.ping();
            if (edge === 'streamable-http') assert.ok(client.transport?.sessionId, 'a 2025 session');
          }
        } finally {
          await client.close();
        }
      });

  it('pinned to 2026-07-28: served as such on Streamable HTTP; the legacy SSE edge fails loudly', async () => {
    const pinned: VersionNegotiationMode = { pin: '2026-07-28' };
    const client = await connect('streamable-http', fleet, pinned);
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
      assert.equal(text(await client.callTool({ name: 'ev_echo', arguments: { text: 'pinned' } })), 'pinned');
    } finally {
      await client.close();
    }
    await assert.rejects(
      connect('legacy-sse', fleet, pinned),
      (err: unknown) => err instanceof SdkError && err.code === SdkErrorCode.EraNegotiationFailed,
    );
  });

  // The SDK's transports share one signal across their requests, and fetch keeps a listener on it
  // per request until that request is collected: a busy client crossed Node's listener limit.
  // (How each request's signal is linked to the transport's: request-signal.test.ts.)
  for (const [edge, mode] of [
    ['streamable-http', 'auto'],
    ['streamable-http', 'legacy'],
    ['legacy-sse', 'legacy'],
  ] as const)
    it(`${edge}, ${mode}: each HTTP request has a signal of its own`, async () => {
      const signals: AbortSignal[] = [];
      const recording: typeof fetch = (input, init) => {
        if (init?.signal) signals.push(init.signal);
        return fetch(input, init);
      };
      const client = new Client({ name: 'signals', version: '1.0.0' }, { versionNegotiation: { mode } });
      await client.connect(transportFor(new URL(urlOf(edge, fleet)), {}, recording));
      try {
        for (let i = 0; i < 10; i++) await client.callTool({ name: 'ev_echo', arguments: { text: `${i}` } });
        assert.ok(signals.length >= 10, `${signals.length} requests carried a signal`);
        assert.equal(new Set(signals).size, signals.length, 'no two requests share a signal');
      } finally {
        await client.close();
      }
      // A 2025 session keeps a GET event stream open: closing the transport ends it.
      if (mode === 'legacy')
        assert.ok(
          signals.some((s) => s.aborted),
          'the open stream was aborted by close',
        );
    });

  it('2026-07-28: a subscriptions/listen stream hears that the tools changed', async () => {
    const client = await connect('streamable-http', fleet, 'auto');
    const changed = new Promise<void>((resolve) =>
      client.setNotificationHandler('notifications/tools/list_changed', () => resolve()),
    );
    try {
      const subscription = await client.listen({ toolsListChanged: true });
      assert.deepEqual(subscription.honoredFilter, { toolsListChanged: true });
      await client.callTool({ name: 'ev_test_trigger_tool_change', arguments: {} });
      await changed;
      await subscription.close();
      assert.equal(await subscription.closed, 'local');
    } finally {
      await client.close();
    }
  });
});
