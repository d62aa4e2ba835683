import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import {
  foundNames,
  SEARCH_CLIENT,
  type SearchFleet,
  type SearchSession,
  startSearchFleet,
} from './catalog-search-support.js';
import { META_KEYS, modernRequest, postModern } from './modern.js';

const errorOf = (answer: Record<string, unknown>) =>
  answer.error as { code: number; message: string } | undefined;
/** The text of a tool error (a result marked isError), or undefined for anything else. */
const toolErrorOf = (answer: Record<string, unknown>) => {
  const result = answer.result as { isError?: boolean; content?: { text: string }[] } | undefined;
  return result?.isError === true ? (result.content?.[0]?.text ?? '') : undefined;
};

describe('catalog search attacks', () => {
  let search: SearchFleet;
  let searcher: SearchSession;

  before(async () => {
    search = await startSearchFleet();
    searcher = await search.session('searcher');
  });
  after(() => search.close());

  it('refuses a huge query with a tool error before any work, and keeps serving', async () => {
    const answer = await searcher.call('fleet_search_tools', { query: 'invoice '.repeat(128 * 1024) });
    assert.equal(errorOf(answer), undefined);
    assert.match(toolErrorOf(answer) ?? '', /longer than 256 characters/);
    assert.ok(foundNames(await searcher.call('fleet_search_tools', { query: 'shipping label' })).length > 0);
  });

  it('answers pathological queries within the caps: many distinct terms, no terms, prototype names', async () => {
    const many = Array.from({ length: 60 }, (_, i) => `t${i}`).join(' ');
    assert.deepEqual(foundNames(await searcher.call('fleet_search_tools', { query: many })), []);
    assert.deepEqual(foundNames(await searcher.call('fleet_search_tools', { query: '!!! ??? *** %%%' })), []);
    // Split into plain words (proto, constructor, string, property): answered as any query, no lookup on a prototype.
    const proto = await searcher.call('fleet_search_tools', {
      query: '__proto__ constructor toString hasOwnProperty',
    });
    assert.equal(errorOf(proto), undefined);
    assert.ok(foundNames(proto).length <= 5);
    const wide = await searcher.call('fleet_search_tools', {
      query: 'list get create update delete export',
      limit: 10,
    });
    assert.equal(
      foundNames(wide).length,
      10,
      'a query matching most of the catalog still returns at most limit',
    );
  });

  it('refuses a result count above the cap, a non-integer one, and unknown arguments', async () => {
    for (const args of [
      { query: 'invoice', limit: 10_000 },
      { query: 'invoice', limit: 'five' },
      { query: 'invoice', limit: 2.5 },
      { query: 'invoice', extra: true },
      { query: 42 },
      { query: '   ' },
    ]) {
      // The model's to correct (MCP 2025-11-25 on): a tool error it reads, not a protocol error.
      const answer = await searcher.call('fleet_search_tools', args);
      assert.match(
        toolErrorOf(answer) ?? '',
        /^Invalid arguments for fleet_search_tools: /,
        JSON.stringify(args),
      );
    }
  });

  it("answers a request whose arguments are no object with a protocol error: it is not the tool's to answer", async () => {
    for (const [name, args] of [
      ['fleet_search_tools', 'abc'],
      ['fleet_describe_tool', 5],
      ['fleet_call_tool', [1]],
    ] as const) {
      const answer = await searcher.call(name, args as never);
      assert.equal(errorOf(answer)?.code, ErrorCode.InvalidParams, JSON.stringify(answer));
      assert.equal(errorOf(answer)?.message, 'params.arguments must be an object');
    }
  });

  it('takes a tool name literally: glob characters are refused, never matched', async () => {
    for (const name of ['synthetic_*', 'synthetic_shipping_?et_label', '*', 'synthetic_[a-z]*']) {
      const described = await searcher.call('fleet_describe_tool', { name });
      assert.match(toolErrorOf(described) ?? '', /name must match/, name);
      const called = await searcher.call('fleet_call_tool', { name, arguments: {} });
      assert.match(toolErrorOf(called) ?? '', /name must match/, name);
    }
  });

  it("answers fleet_call_tool's own bad arguments with a tool error on a 2026-07-28 request too", async () => {
    const meta = { [META_KEYS.clientInfo]: { name: SEARCH_CLIENT, version: '1' } };
    const send = async (id: number, args: Record<string, unknown>) =>
      (
        await postModern(
          search.fleet.url,
          modernRequest(id, 'tools/call', { name: 'fleet_call_tool', arguments: args }, meta),
          search.auth('full'),
        )
      ).json ?? {};
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'synthetic_*', arguments: {} }, /name must match/],
      [{ name: 'lab_echo', arguments: ['hi'] }, /arguments must be an object/],
      [{ name: 'lab_echo', arguments: { text: 'hi' }, extra: 1 }, /unknown argument extra/],
      [{ name: 'fleet_search_tools', arguments: { query: 'x' } }, /not the gateway's search tools/],
    ];
    for (const [i, [args, reason]] of cases.entries()) {
      const answer = await send(40 + i, args);
      assert.equal(errorOf(answer), undefined, JSON.stringify(answer));
      assert.match(toolErrorOf(answer) ?? '', reason, JSON.stringify(args));
    }
    // Still served: the same call with good arguments reaches the tool.
    const good = await send(50, { name: 'lab_echo', arguments: { text: 'hi' } });
    const content = (good.result as { content?: { text: string }[] } | undefined)?.content;
    assert.equal(content?.[0]?.text, 'hi', JSON.stringify(good));
  });

  it('tells a tool the caller may not see apart from no tool at all in no way', async () => {
    const hidden = await searcher.call('fleet_describe_tool', { name: 'synthetic_billing_list_invoice' });
    const missing = await searcher.call('fleet_describe_tool', { name: 'synthetic_billing_list_unicorn' });
    assert.equal(errorOf(hidden)?.code, ErrorCode.InvalidParams);
    assert.equal(errorOf(hidden)?.message, 'Unknown tool: synthetic_billing_list_invoice');
    assert.equal(errorOf(missing)?.message, 'Unknown tool: synthetic_billing_list_unicorn');
  });

  it('refuses fleet_call_tool calling the search tools themselves (no recursion)', async () => {
    for (const name of ['fleet_call_tool', 'fleet_search_tools', 'fleet_describe_tool']) {
      const answer = await searcher.call('fleet_call_tool', {
        name,
        arguments: { name: 'fleet_call_tool', arguments: { name: 'lab_echo', arguments: { text: 'hi' } } },
      });
      assert.match(toolErrorOf(answer) ?? '', /not the gateway's search tools/, name);
    }
  });

  it('never lets a provider tool named like a search tool stand in for it, nor offers it', async () => {
    const answer = await searcher.call('fleet_call_tool', { name: 'lab_echo', arguments: { text: 'hi' } });
    const result = answer.result as { content: { text: string }[] };
    assert.equal(result.content[0]?.text, 'hi', "the gateway's fleet_call_tool answered, not the provider's");
    const found = foundNames(
      await searcher.call('fleet_search_tools', { query: 'call tool provider named gateway', limit: 10 }),
    );
    assert.ok(!found.includes('fleet_call_tool'), found.join(', '));
  });

  it('runs a gateway-local tool (a workflow) once when it calls itself through fleet_call_tool', async () => {
    const answer = await searcher.call('fleet_call_tool', { name: 'workflow_loop', arguments: {} });
    const run = (
      answer.result as {
        structuredContent: {
          status: string;
          steps: { tool: string; output?: unknown; error?: { message: string } }[];
        };
      }
    ).structuredContent;
    // Workflow steps call tools directly, never through the search tools: the name reaches the
    // catalog, where a provider tool of that reserved name (the impostor) is never served either.
    assert.equal(run.status, 'failed');
    assert.equal(run.steps[0]?.tool, 'fleet_call_tool');
    assert.equal(run.steps[0]?.output, undefined);
    assert.match(run.steps[0]?.error?.message ?? '', /Unknown tool: fleet_call_tool/);
    const found = foundNames(await searcher.call('fleet_search_tools', { query: 'calls itself' }));
    assert.equal(found[0], 'workflow_loop', 'workflows are searchable like any tool');
  });
});
