import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectOver, EDGES, type EdgeAddresses } from './edge-clients.js';
import { type ParityFleet, slow, startParityFleet } from './parity-fleet.js';

/**
 * The same scenarios on every edge, so no feature lands on one edge only. A new edge joins EDGES;
 * a new scenario joins this list and runs everywhere. parity-stateless.test.ts runs them in
 * MCP 2026-07-28 on every edge that speaks it.
 */
describe('edge parity: Streamable HTTP, legacy SSE, WebSocket and gRPC behave alike', () => {
  let parity: ParityFleet;
  let at: EdgeAddresses;
  let keys: Record<string, string>;

  before(async () => {
    parity = await startParityFleet(EDGES);
    ({ at, keys } = parity);
  });
  after(() => parity.close());

  for (const edge of EDGES) {
    describe(edge, () => {
      let client: Client;
      before(async () => {
        client = await connectOver(edge, at, { authorization: `Bearer ${keys[edge]}` }, { sampling: {} });
      });
      after(() => client.close());

      it('initializes', () => {
        assert.equal(client.getServerVersion()?.name, 'mcp-fleet-gateway');
      });

      it('lists only what the policy allows', async () => {
        const names = (await client.listTools()).tools.map((t) => t.name);
        assert.ok(names.includes('echo') && names.includes('lab_slow'));
        assert.ok(!names.includes('lab_forbidden'));
      });

      it('calls a tool and streams its progress', async () => {
        const progress: number[] = [];
        const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
          onprogress: (p) => progress.push(p.progress),
        });
        assert.deepEqual(progress, [0, 50, 100]);
        assert.equal(
          (result.content as { text: string }[])[0]?.text,
          'Tool with progress executed successfully',
        );
      });

      it('relays a sampling request and its answer', async () => {
        client.setRequestHandler(CreateMessageRequestSchema, async () => ({
          role: 'assistant',
          content: { type: 'text', text: `hello from ${edge}` },
          model: 'm',
        }));
        const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
        assert.equal((result.content as { text: string }[])[0]?.text, `LLM response: hello from ${edge}`);
      });

      it('cancels a call down to the provider handler', async () => {
        const gate = slow.reset();
        const controller = new AbortController();
        const call = client.callTool({ name: 'lab_slow', arguments: {} }, undefined, {
          signal: controller.signal,
        });
        await gate.entered.promise;
        controller.abort('stop');
        await assert.rejects(call);
        assert.match(String(await gate.aborted.promise), /cancel/);
      });

      it('refuses a denied tool with the deciding rule', async () => {
        await assert.rejects(
          client.callTool({ name: 'lab_forbidden', arguments: {} }),
          new RegExp(`${ErrorCode.Forbidden}.*roles\\.caller\\.tools\\.deny\\[0\\]`),
        );
      });

      it('rejects the call past the rate limit', async () => {
        for (let i = 0; i < 3; i++) await client.callTool({ name: 'lab_limited', arguments: {} });
        await assert.rejects(
          client.callTool({ name: 'lab_limited', arguments: {} }),
          /Rate limit exceeded|429/,
        );
      });

      it('refuses a caller without credentials', async () => {
        await assert.rejects(connectOver(edge, at, {}));
      });
    });
  }
});
