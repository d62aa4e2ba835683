import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { type EdgeAddresses, openRawChannel } from './edge-clients.js';
import { META_KEYS, MODERN, modernRequest } from './modern.js';
import { type ParityFleet, slow, startParityFleet } from './parity-fleet.js';
import { connectStateless, type RpcError, type StatelessClient } from './stateless-client.js';

/** The edges that speak MCP 2026-07-28 (legacy HTTP+SSE is 2024-11-05/2025 only). */
const MODERN_EDGES = ['streamable-http', 'websocket', 'grpc'] as const;

const caller = (edge: string) => `${edge}-2026`;

const textOf = (result: Record<string, unknown>) => (result.content as { text: string }[])[0]?.text;

/**
 * parity.test.ts's scenarios in MCP 2026-07-28: no initialize, every request self-describing,
 * on every edge that speaks it, against the same fleet shape.
 */
describe('edge parity in 2026-07-28: Streamable HTTP, WebSocket and gRPC behave alike', () => {
  let parity: ParityFleet;
  let at: EdgeAddresses;
  let keys: Record<string, string>;

  before(async () => {
    parity = await startParityFleet([...MODERN_EDGES.map(caller), 'legacy-sse-2026']);
    ({ at, keys } = parity);
  });
  after(() => parity.close());

  for (const edge of MODERN_EDGES) {
    describe(edge, () => {
      let client: StatelessClient;
      let discovered: Record<string, unknown>;
      before(async () => {
        ({ client, discovered } = await connectStateless(edge, at, {
          authorization: `Bearer ${keys[caller(edge)]}`,
        }));
      });
      after(() => client.close());

      it('discovers', () => {
        assert.deepEqual(discovered.supportedVersions, [MODERN]);
        const meta = discovered._meta as Record<string, { name: string }>;
        assert.equal(meta[META_KEYS.serverInfo]?.name, 'mcp-fleet-gateway');
        assert.equal(discovered.resultType, 'complete');
      });

      it('lists only what the policy allows', async () => {
        const listed = await client.request('tools/list');
        const names = (listed.tools as { name: string }[]).map((t) => t.name);
        assert.ok(names.includes('echo') && names.includes('lab_slow'));
        assert.ok(!names.includes('lab_forbidden'));
        assert.equal(listed.cacheScope, 'private');
      });

      it('calls a tool and streams its progress', async () => {
        const progress: number[] = [];
        const result = await client.request(
          'tools/call',
          { name: 'test_tool_with_progress', arguments: {} },
          {
            meta: { progressToken: 'p' },
            onNotification: (m) => {
              if (m.method === 'notifications/progress')
                progress.push((m.params as { progress: number }).progress);
            },
          },
        );
        assert.deepEqual(progress, [0, 50, 100]);
        assert.equal(textOf(result), 'Tool with progress executed successfully');
      });

      it('sends logs only when asked for, at and above the level asked', async () => {
        const levels = async (meta: Record<string, unknown>) => {
          const seen: string[] = [];
          await client.request(
            'tools/call',
            { name: 'test_logging_tool', arguments: {} },
            {
              meta,
              onNotification: (m) => {
                if (m.method === 'notifications/message') seen.push((m.params as { level: string }).level);
              },
            },
          );
          return seen;
        };
        assert.deepEqual(await levels({}), []);
        assert.deepEqual(await levels({ [META_KEYS.logLevel]: 'warning' }), ['warning', 'error']);
      });

      it('refuses a sampling tool to a client that did not declare sampling', async () => {
        await assert.rejects(
          client.request('tools/call', { name: 'test_missing_capability', arguments: {} }),
          (err: RpcError) => {
            assert.equal(err.code, ErrorCode.MissingClientCapability);
            assert.deepEqual(err.data, { requiredCapabilities: { sampling: {} } });
            if (edge === 'streamable-http') assert.equal(err.status, 400);
            return true;
          },
        );
      });

      it('cancels a call down to the provider handler', async () => {
        const gate = slow.reset();
        const controller = new AbortController();
        const call = client.request(
          'tools/call',
          { name: 'lab_slow', arguments: {} },
          { signal: controller.signal },
        );
        await gate.entered.promise;
        controller.abort('stop');
        await assert.rejects(call);
        assert.match(String(await gate.aborted.promise), /cancel|closed/);
      });

      it('refuses a denied tool with the deciding rule', async () => {
        await assert.rejects(
          client.request('tools/call', { name: 'lab_forbidden', arguments: {} }),
          new RegExp(`${ErrorCode.Forbidden}.*roles\\.caller\\.tools\\.deny\\[0\\]`),
        );
      });

      it('rejects the call past the rate limit', async () => {
        for (let i = 0; i < 3; i++)
          await client.request('tools/call', { name: 'lab_limited', arguments: {} });
        await assert.rejects(
          client.request('tools/call', { name: 'lab_limited', arguments: {} }),
          /Rate limit exceeded|429/,
        );
      });

      it('refuses a caller without credentials', async () => {
        await assert.rejects(connectStateless(edge, at, {}));
      });
    });
  }

  describe('legacy-sse', () => {
    it('refuses a 2026-07-28 request by its id, saying where to go instead', async () => {
      const channel = await openRawChannel('legacy-sse', at, {
        authorization: `Bearer ${keys['legacy-sse-2026']}`,
      });
      try {
        await channel.send(modernRequest('modern', 'tools/list'));
        await waitFor(() => channel.messages.some((m) => m.id === 'modern'), 'the refusal');
        const answer = channel.messages.find((m) => m.id === 'modern');
        const error = answer?.error as { code: number; message: string };
        assert.equal(error.code, ErrorCode.InvalidRequest);
        assert.match(error.message, /2026-07-28.*Streamable HTTP/);
      } finally {
        await channel.close();
      }
    });
  });
});
