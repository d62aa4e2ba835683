import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
import { defineTool } from '@mcp-fleet/sdk';
import {
  echo,
  foundNames,
  SEARCH_CLIENT,
  SEARCH_POLICY,
  type SearchFleet,
  type SearchSession,
  startSearchFleet,
} from './catalog-search-support.js';
import { META_KEYS, modernRequest, postModern } from './modern.js';

type Tool = { name: string; inputSchema: { properties?: Record<string, unknown> } };
const toolsOf = (answer: Record<string, unknown>) => answer.result as { tools: Tool[]; nextCursor?: string };
const errorOf = (answer: Record<string, unknown>) =>
  answer.error as { code: number; message: string } | undefined;
const textOf = (answer: Record<string, unknown>) =>
  (answer.result as { content: { text: string }[] }).content[0]?.text ?? '';

describe('catalog search mode over the 500-tool synthetic provider', () => {
  let search: SearchFleet;
  let searcher: SearchSession;
  /** The `full` role, in search mode by its client's name: it may see billing. */
  let fullSearching: SearchSession;

  before(async () => {
    search = await startSearchFleet();
    searcher = await search.session('searcher');
    fullSearching = await search.session('full', SEARCH_CLIENT);
  });
  after(() => search.close());

  it('selects the mode by role or by client name; others get the whole catalog', async () => {
    const names = (answer: Record<string, unknown>) => toolsOf(answer).tools.map((t) => t.name);
    const trio = ['fleet_search_tools', 'fleet_describe_tool', 'fleet_call_tool'];
    assert.deepEqual(names(await searcher.request('tools/list')), trio, 'by role');
    assert.deepEqual(names(await fullSearching.request('tools/list')), trio, 'by client name');
    const full = await (await search.session('full')).request('tools/list');
    assert.equal(toolsOf(full).tools.length, 100, 'a page of the whole catalog');
    assert.ok(toolsOf(full).nextCursor);
    assert.ok(!names(full).includes('fleet_search_tools'));
  });

  it('finds tools by what they do, with their schemas, best first', async () => {
    const answer = await searcher.call('fleet_search_tools', {
      query: 'download all shipping labels as csv',
    });
    const tools = (answer.result as { structuredContent: { tools: Tool[] } }).structuredContent.tools;
    assert.equal(tools[0]?.name, 'synthetic_shipping_export_label');
    assert.ok(tools[0]?.inputSchema.properties?.format, 'the input schema comes with the result');
    assert.equal(tools.length, 5, 'five by default');
    const camel = foundNames(
      await searcher.call('fleet_search_tools', { query: 'tracking number', limit: 3 }),
    );
    assert.equal(camel.length, 3);
    assert.ok(
      camel.some((name) => name.startsWith('synthetic_shipping_')),
      'trackingNumber is split into words',
    );
  });

  it("filters results by the caller's policy: a denied tool is never found", async () => {
    const query = { query: 'list invoices of a customer in the billing system', limit: 10 };
    const allowed = foundNames(await fullSearching.call('fleet_search_tools', query));
    assert.equal(
      allowed[0],
      'synthetic_billing_list_invoice',
      'the tool exists and ranks first for a caller that may see it',
    );
    const denied = foundNames(await searcher.call('fleet_search_tools', query));
    assert.equal(denied.length, 10);
    assert.ok(
      denied.every((name) => !name.startsWith('synthetic_billing_')),
      denied.join(', '),
    );
  });

  it('describes a visible tool fully, and a hidden one not at all', async () => {
    const answer = await searcher.call('fleet_describe_tool', { name: 'synthetic_shipping_export_label' });
    const { tool } = (answer.result as { structuredContent: { tool: Tool & { annotations: object } } })
      .structuredContent;
    assert.equal(tool.name, 'synthetic_shipping_export_label');
    assert.deepEqual(Object.keys(tool.inputSchema.properties ?? {}).sort(), ['filter', 'format']);
    assert.ok(tool.annotations);
    const hidden = await searcher.call('fleet_describe_tool', { name: 'synthetic_billing_export_invoice' });
    assert.equal(errorOf(hidden)?.message, 'Unknown tool: synthetic_billing_export_invoice');
  });

  it('calls through the dispatch path: policy, argument constraints, audit and metrics as a direct call', async () => {
    const ok = await searcher.call('fleet_call_tool', {
      name: 'synthetic_shipping_export_label',
      arguments: { format: 'csv' },
    });
    assert.deepEqual(JSON.parse(textOf(ok)), {
      tool: 'shipping_export_label',
      arguments: { format: 'csv' },
    });
    const forbidden = await searcher.call('fleet_call_tool', {
      name: 'synthetic_billing_list_invoice',
      arguments: {},
    });
    const direct = await searcher.call('synthetic_billing_list_invoice', {});
    assert.equal(errorOf(forbidden)?.code, ErrorCode.Forbidden);
    assert.deepEqual(forbidden.error, direct.error, 'refused exactly as a direct tools/call is');
    const constrained = await searcher.call('fleet_call_tool', {
      name: 'lab_echo',
      arguments: { text: 'too long' },
    });
    assert.equal(errorOf(constrained)?.code, ErrorCode.Forbidden);
    assert.match(errorOf(constrained)?.message ?? '', /roles\.searcher\.arguments\.lab_echo/);
    assert.equal(
      textOf(await searcher.call('fleet_call_tool', { name: 'lab_echo', arguments: { text: 'short' } })),
      'short',
    );

    const audit = async () =>
      (await readFile(join(search.fleet.dir, 'audit.log'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { audit: string; target: string; outcome: string; rule?: string });
    // Audit lines are written in batches, after the answer: wait for the last call's.
    for (
      let i = 0;
      i < 100 && !(await audit()).some((l) => l.audit === 'call' && l.target === 'lab_echo');
      i++
    )
      await sleep(20);
    const lines = await audit();
    assert.ok(
      lines.some(
        (l) =>
          l.target === 'lab_echo' && l.outcome === 'denied' && l.rule === 'roles.searcher.arguments.lab_echo',
      ),
    );
    assert.ok(lines.some((l) => l.target === 'synthetic_billing_list_invoice' && l.outcome === 'denied'));
    assert.ok(lines.some((l) => l.audit === 'call' && l.target === 'lab_echo' && l.outcome === 'ok'));
    assert.ok(
      lines.some((l) => l.target === 'fleet_search_tools' && l.outcome === 'allowed'),
      'searches are audited like calls',
    );
    const metrics = await (await fetch(search.fleet.url.replace('/mcp', '/metrics'))).text();
    assert.match(metrics, /mcpfleet_tool_calls_total\{provider="lab",tool="lab_echo",outcome="ok"\} 1/);
    assert.match(
      metrics,
      /mcpfleet_tool_calls_total\{provider="synthetic",tool="synthetic_shipping_export_label",outcome="ok"\} 1/,
    );
  });

  it('refuses the search tools to a caller that is not in search mode', async () => {
    const plain = await search.session('full');
    const answer = await plain.call('fleet_search_tools', { query: 'invoice' });
    assert.equal(
      errorOf(answer)?.code,
      ErrorCode.Forbidden,
      'not a tool of its catalog: policy refuses the name',
    );
  });

  it('works for a 2026-07-28 client naming itself in _meta, whose routing headers name a search tool', async () => {
    const meta = { [META_KEYS.clientInfo]: { name: SEARCH_CLIENT, version: '1' } };
    const send = async (id: number, method: string, params: Record<string, unknown> = {}) =>
      (await postModern(search.fleet.url, modernRequest(id, method, params, meta), search.auth('full')))
        .json ?? {};
    const listed = toolsOf(await send(1, 'tools/list')).tools.map((t) => t.name);
    assert.deepEqual(listed, ['fleet_search_tools', 'fleet_describe_tool', 'fleet_call_tool']);
    // The full role has no rule for fleet_*: the header screen leaves the search tools to the body's admission.
    const found = await send(2, 'tools/call', {
      name: 'fleet_search_tools',
      arguments: { query: 'billing invoices' },
    });
    assert.ok(foundNames(found).includes('synthetic_billing_list_invoice'), JSON.stringify(found));
    const called = await send(3, 'tools/call', {
      name: 'fleet_call_tool',
      arguments: { name: 'synthetic_billing_get_invoice', arguments: { invoiceId: 'in_1' } },
    });
    assert.equal(JSON.parse(textOf(called)).tool, 'billing_get_invoice');
  });

  it('follows the catalog: a tool a provider adds is found, one it drops is gone', async () => {
    const lab = search.fleet.providers.get('lab');
    const quarantine = defineTool({
      name: 'quarantine_parcel',
      title: 'Quarantine parcel',
      description: 'Holds a suspicious parcel at customs until an inspector releases it',
      inputSchema: { type: 'object', properties: { inspectorId: { type: 'string' } } },
      handler: () => 'held',
    });
    const query = { query: 'hold a suspicious parcel for the inspector', limit: 3 };
    const first = async () => foundNames(await searcher.call('fleet_search_tools', query))[0];
    lab?.setDefinitions([echo, quarantine]);
    for (let i = 0; i < 100 && (await first()) !== 'lab_quarantine_parcel'; i++) await sleep(20);
    assert.equal(await first(), 'lab_quarantine_parcel');
    lab?.setDefinitions([echo]);
    for (let i = 0; i < 100 && (await first()) === 'lab_quarantine_parcel'; i++) await sleep(20);
    assert.notEqual(await first(), 'lab_quarantine_parcel');
    const gone = await searcher.call('fleet_describe_tool', { name: 'lab_quarantine_parcel' });
    assert.equal(errorOf(gone)?.message, 'Unknown tool: lab_quarantine_parcel');
  });

  /** A round of fleet_call_tool calling the elicitation tool, as `full` from a client of that name. */
  const elicitRound = async (id: number, client: string, extra: Record<string, unknown> = {}) => {
    const meta = {
      [META_KEYS.clientInfo]: { name: client, version: '1' },
      [META_KEYS.clientCapabilities]: { elicitation: {} },
    };
    const inner = { name: 'mrtr_test_input_required_result_elicitation', arguments: {} };
    const params = { name: 'fleet_call_tool', arguments: inner, ...extra };
    return (
      (await postModern(search.fleet.url, modernRequest(id, 'tools/call', params, meta), search.auth('full')))
        .json ?? {}
    );
  };
  /** A first round from the search-mode client, which asks for input; what its retry sends back. */
  const askedForInput = async (id: number) => {
    const first = await elicitRound(id, SEARCH_CLIENT);
    const result = first.result as { resultType?: string; requestState: string } | undefined;
    assert.equal(result?.resultType, 'input_required', JSON.stringify(first));
    return {
      requestState: result?.requestState,
      inputResponses: { user_name: { action: 'accept', content: { name: 'Alice' } } },
    };
  };

  it('admits each round of a multi-round (input_required) call by its inner tool, as the caller', async () => {
    const second = await elicitRound(2, SEARCH_CLIENT, await askedForInput(1));
    assert.equal(errorOf(second), undefined, JSON.stringify(second));
    assert.equal(textOf(second), 'Hello, Alice!');
  });

  it('admits a retry naming a client not in search mode by the inner tool too: policy since revoked refuses it', async () => {
    const answer = await askedForInput(3);
    // The role may now use every tool (fleet_call_tool included) but the inner one.
    await writeFile(
      search.policyFile,
      SEARCH_POLICY.replace(
        '{ allow: ["synthetic_*", "lab_*", "mrtr_*"] }',
        '{ allow: ["*"], deny: ["mrtr_*"] }',
      ),
    );
    try {
      assert.equal(await search.fleet.gateway.policy.reload(), true);
      // A 2026-07-28 request names its client in each request: the retry is not in search mode.
      const retry = await elicitRound(4, 'plain-client', answer);
      assert.equal(errorOf(retry)?.code, ErrorCode.Forbidden, JSON.stringify(retry));
      assert.match(errorOf(retry)?.message ?? '', /roles\.full\.tools\.deny\[0\]/);
    } finally {
      await writeFile(search.policyFile, SEARCH_POLICY);
      await search.fleet.gateway.policy.reload();
    }
  });

  it("spends the inner tool's rate limit as a direct call does", async () => {
    const limited = await search.session('limited', SEARCH_CLIENT);
    const echo = { name: 'lab_echo', arguments: { text: 'once' } };
    assert.equal(textOf(await limited.call('fleet_call_tool', echo)), 'once');
    const again = await limited.call('fleet_call_tool', echo);
    assert.equal(errorOf(again)?.code, ErrorCode.RateLimited, JSON.stringify(again));
    const direct = await limited.call('lab_echo', echo.arguments);
    assert.equal(errorOf(direct)?.code, ErrorCode.RateLimited, 'one bucket for both ways in');
  });
});
