import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatelessHandler } from '../src/dispatch/stateless-handler.js';
import type { RequestContext, RequestHandler } from '../src/engine/request-context.js';
import { RawJson } from '../src/protocol/messages.js';
import { MODERN } from './modern.js';

const SERVER_INFO = { name: 'mcp-fleet-gateway', version: 'test' };

/** What the 2026 face of the gateway answers for a provider's raw tools/call result. */
async function answerFor(providerResult: string): Promise<Record<string, unknown>> {
  const inner: RequestHandler = {
    describe: () => ({ capabilities: {}, serverInfo: SERVER_INFO }),
    answersAtOnce: () => false,
    request: async () => new RawJson(providerResult),
  };
  const handler = new StatelessHandler(inner, {
    cacheTtlMs: 1_000,
    headerParams: () => [],
    screen: async () => undefined,
  });
  const ctx = { session: { protocolVersion: MODERN } } as unknown as RequestContext;
  const answer = await handler.request(ctx, 'tools/call', { name: 'echo', arguments: {} });
  return JSON.parse(answer instanceof RawJson ? answer.text : JSON.stringify(answer));
}

describe('a provider result spliced into a 2026 answer', () => {
  it('is the same whether the provider escapes its keys or not: no escaped _meta replaces the serverInfo', async () => {
    const plain = await answerFor('{"content":[],"_meta":{"x":1},"ttlMs":5}');
    const escaped = await answerFor('{"content":[],"\\u005fmeta":{"x":1},"ttl\\u004ds":5}');
    assert.deepEqual(escaped, plain);
    assert.deepEqual(
      (escaped._meta as Record<string, unknown>)['io.modelcontextprotocol/serverInfo'],
      SERVER_INFO,
    );
  });

  it('splices a result without fields of its own unchanged after the head', async () => {
    const answer = await answerFor(' {"content":[{"type":"text","text":"caf\\u00e9"}]} ');
    assert.equal(answer.resultType, 'complete');
    assert.deepEqual(answer.content, [{ type: 'text', text: 'café' }]);
    assert.deepEqual(
      (answer._meta as Record<string, unknown>)['io.modelcontextprotocol/serverInfo'],
      SERVER_INFO,
    );
  });
});
