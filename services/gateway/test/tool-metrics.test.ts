import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { defineTool, FleetError } from '@mcp-fleet/sdk';
import { freePort, gatedTool, waitFor } from '@mcp-fleet/sdk/testing';
import { type Fleet, openEvents, openSession, post, startFleet } from './support.js';

const tool = (name: string, handler: (args: Record<string, unknown>) => string) =>
  defineTool({
    name,
    description: name,
    inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
    annotations: { readOnlyHint: true },
    handler,
  });

/** The Grafana dashboard operators import: it must only query series the gateway exports. */
const DASHBOARD = new URL('../../../../deploy/grafana/mcp-fleet.json', import.meta.url);

/** An error with a code of the provider's own, which the catalogue does not know. */
class ForeignCodeError extends FleetError {
  override get code(): number {
    return 12_345;
  }
}

const slow = gatedTool('slow');
const lab = [
  tool('echo', (args) => String(args.text ?? '')),
  tool('broken', () => {
    throw new Error('the tool failed');
  }),
  // A handler's own protocol error (arguments its schema cannot express).
  tool('picky', () => {
    throw new FleetError('InvalidParams', 'the handler refuses these arguments');
  }),
  // A provider may answer any error code: the gateway must not make a series of each.
  tool('odd', () => {
    throw new ForeignCodeError('InternalError', 'an error code of its own');
  }),
  slow.definition,
];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match?.[1] || !match[3]) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key as string] = value as string;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

describe('per-tool metrics at the gateway', () => {
  let fleet: Fleet;
  let headers: Record<string, string>;
  let id = 0;

  const scrape = async () =>
    parseExposition(await (await fetch(fleet.url.replace('/mcp', '/metrics'))).text());
  /** The value of the one sample with exactly these labels, or undefined when there is none. */
  const value = (samples: Sample[], name: string, labels: Record<string, string>) => {
    const found = samples.filter(
      (s) =>
        s.name === name &&
        Object.keys(s.labels).length === Object.keys(labels).length &&
        Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} appears ${found.length} times`);
    return found[0]?.value;
  };
  const call = (name: string, args: Record<string, unknown> = {}) =>
    post(
      fleet.url,
      { jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name, arguments: args } },
      headers,
    );

  before(async () => {
    fleet = await startFleet([{ name: 'lab', definitions: lab }], {}, [
      // Configured, never started: reported down.
      {
        name: 'ghost',
        target: `127.0.0.1:${await freePort()}`,
        prefix: 'ghost',
        timeoutMs: 1_000,
        toolTimeoutsMs: {},
      },
    ]);
    headers = await openSession(fleet.url);
  });
  after(() => fleet.close());

  it('counts calls by provider, tool and outcome, times them, and counts errors by JSON-RPC code', async () => {
    for (const text of ['a', 'b']) assert.ok((await call('lab_echo', { text })).json?.result);
    assert.ok((await call('lab_broken')).json?.result, 'a tool error is a result');
    const invalid = (await call('lab_echo', { text: 7 })).json?.result as { isError?: boolean };
    assert.equal(invalid?.isError, true, 'arguments the schema refuses are a tool error');
    assert.equal(((await call('lab_picky')).json?.error as { code: number }).code, -32602);
    assert.equal(((await call('lab_odd')).json?.error as { code: number }).code, 12_345);

    const samples = await scrape();
    const calls = (tool: string, outcome: string) =>
      value(samples, 'mcpfleet_tool_calls_total', { provider: 'lab', tool, outcome });
    assert.equal(calls('lab_echo', 'ok'), 2);
    assert.equal(calls('lab_echo', 'tool_error'), 1);
    assert.equal(calls('lab_picky', 'error'), 1);
    assert.equal(calls('lab_broken', 'tool_error'), 1);
    assert.equal(calls('lab_odd', 'error'), 1);
    const errors = (tool: string, code: string) =>
      value(samples, 'mcpfleet_tool_call_errors_total', { provider: 'lab', tool, code });
    assert.equal(errors('lab_picky', '-32602'), 1);
    assert.equal(errors('lab_odd', 'other'), 1);
    assert.ok(!samples.some((s) => s.labels.code === '12345'), 'no series per foreign error code');
    const duration = { provider: 'lab', tool: 'lab_echo' };
    assert.equal(value(samples, 'mcpfleet_tool_call_duration_seconds_count', duration), 3);
    assert.equal(
      value(samples, 'mcpfleet_tool_call_duration_seconds_bucket', { ...duration, le: '+Inf' }),
      3,
    );
    assert.ok((value(samples, 'mcpfleet_tool_call_duration_seconds_sum', duration) ?? 0) > 0);
  });

  it('puts every name outside the catalog, and every unknown method, in one fixed series', async () => {
    const before = await scrape();
    const unknown = { provider: '(unknown)', tool: '(unknown)', outcome: 'error' };
    const already = value(before, 'mcpfleet_tool_calls_total', unknown) ?? 0;
    for (const name of ['nope_1', 'nope_2', 'lab_echo2'])
      assert.equal(((await call(name)).json?.error as { code: number }).code, -32602);
    const evil = await post(fleet.url, { jsonrpc: '2.0', id: ++id, method: 'x/made-up-1' }, headers);
    assert.equal((evil.json?.error as { code: number }).code, -32601);

    const samples = await scrape();
    assert.equal(value(samples, 'mcpfleet_tool_calls_total', unknown), already + 3);
    assert.equal(
      value(samples, 'mcpfleet_tool_call_errors_total', {
        provider: '(unknown)',
        tool: '(unknown)',
        code: '-32602',
      }),
      already + 3,
    );
    const tools = new Set(samples.filter((s) => s.labels.tool !== undefined).map((s) => s.labels.tool));
    assert.deepEqual([...tools].sort(), ['(unknown)', 'lab_broken', 'lab_echo', 'lab_odd', 'lab_picky']);
    assert.equal(value(samples, 'mcpfleet_requests_total', { method: '(unknown)', outcome: '-32601' }), 1);
    assert.ok(!samples.some((s) => s.labels.method?.startsWith('x/')), 'no series per unknown method');
  });

  it('shows calls in flight, connected sessions and each provider up or down', async () => {
    const events = await openEvents(fleet.url, headers['mcp-session-id'] as string);
    const running = call('lab_slow');
    await slow.gate().entered.promise;
    const during = await scrape();
    assert.equal(value(during, 'mcpfleet_tool_calls_in_flight', { provider: 'lab', tool: 'lab_slow' }), 1);
    assert.equal(value(during, 'mcpfleet_inflight_requests', {}), 1);
    assert.equal(value(during, 'mcpfleet_connected_sessions', {}), 1);
    assert.equal(value(during, 'mcpfleet_provider_up', { provider: 'lab' }), 1);
    assert.equal(value(during, 'mcpfleet_provider_up', { provider: 'ghost' }), 0);

    slow.gate().release.resolve();
    assert.ok((await running).json?.result);
    events.close();
    await waitFor(() => fleet.gateway.core.connectedSessions === 0, 'the stream to close');
    const afterwards = await scrape();
    assert.equal(
      value(afterwards, 'mcpfleet_tool_calls_in_flight', { provider: 'lab', tool: 'lab_slow' }),
      0,
    );
    assert.equal(value(afterwards, 'mcpfleet_inflight_requests', {}), 0);
    assert.equal(value(afterwards, 'mcpfleet_connected_sessions', {}), 0);
  });

  it('the Grafana dashboard queries only series the gateway exports', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const exported = new Set((await scrape()).map((s) => s.name));
    const queried = dashboard.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
    );
    assert.ok(queried.length >= 10, 'the dashboard has its panels');
    for (const { panel, expr } of queried) {
      const names = expr.match(/\bmcpfleet_\w+/g) ?? [];
      assert.ok(names.length > 0, `${panel}: ${expr}`);
      for (const name of names)
        assert.ok(exported.has(name), `${panel} queries ${name}, which /metrics lacks`);
    }
  });
});
