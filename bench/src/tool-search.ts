/**
 * Catalog search on the synthetic provider's 500 tools, through a real gateway: the bytes of
 * tools/list in full mode and in search mode, and the search's hit rate (top-1, top-5) over the
 * queries of services/gateway/test/fixtures/tool-search-queries.json. Figures, not a test:
 * written to bench/results/tool-search-<date>.{json,md}.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { build } from '@mcp-fleet/gateway';
import { gatewayConfigSpec } from '@mcp-fleet/gateway/config';
import { ToolIndex } from '@mcp-fleet/gateway/tool-index';
import { DEFAULT_SEED, DEFAULT_TOOL_COUNT, definitions, syntheticTools } from '@mcp-fleet/provider-synthetic';
import { createIdentityVerifier, parseConfig, serveProvider } from '@mcp-fleet/sdk';
import { pino } from 'pino';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const QUERIES = join(ROOT, 'services/gateway/test/fixtures/tool-search-queries.json');
const SEARCH_CLIENT = 'tool-search-bench';
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

type Fixture = { queries: { query: string; expected: string[] }[] };
type Rpc = { result?: { tools?: { name: string }[]; nextCursor?: string; structuredContent?: unknown } };

/** The JSON-RPC answer of a POST (plain JSON, or the last message of an SSE stream) and its size. */
async function rpc(url: string, headers: Record<string, string>, method: string, params: object) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('text/event-stream')
    ? JSON.parse(
        text
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .pop()
          ?.slice(5) ?? 'null',
      )
    : JSON.parse(text);
  return {
    bytes: Buffer.byteLength(text),
    json: json as Rpc,
    session: response.headers.get('mcp-session-id'),
  };
}

async function session(url: string, client: string): Promise<Record<string, string>> {
  const { session } = await rpc(url, {}, 'initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: client, version: '1' },
  });
  return { 'mcp-session-id': String(session), 'mcp-protocol-version': '2025-11-25' };
}

/** tools/list, every page: what a client loads before its first call. */
async function listBytes(url: string, headers: Record<string, string>) {
  let bytes = 0;
  let tools = 0;
  let cursor: string | undefined;
  do {
    const page = await rpc(url, headers, 'tools/list', cursor ? { cursor } : {});
    bytes += page.bytes;
    tools += page.json.result?.tools?.length ?? 0;
    cursor = page.json.result?.nextCursor;
  } while (cursor);
  return { bytes, tools };
}

async function measure(url: string) {
  const fixture = JSON.parse(await readFile(QUERIES, 'utf8')) as Fixture;
  const full = await listBytes(url, await session(url, 'tool-search-bench-full'));
  const searchHeaders = await session(url, SEARCH_CLIENT);
  const search = await listBytes(url, searchHeaders);
  let top1 = 0;
  let top5 = 0;
  let searchBytes = 0;
  const misses: { query: string; got: string[] }[] = [];
  const started = performance.now();
  for (const { query, expected } of fixture.queries) {
    const answer = await rpc(url, searchHeaders, 'tools/call', {
      name: 'fleet_search_tools',
      arguments: { query, limit: 5 },
    });
    searchBytes += answer.bytes;
    const found = (answer.json.result?.structuredContent as { tools: { name: string }[] }).tools.map(
      (t) => t.name,
    );
    if (expected.includes(found[0] ?? '')) top1++;
    if (found.some((name) => expected.includes(name))) top5++;
    else misses.push({ query, got: found });
  }
  const n = fixture.queries.length;
  return {
    catalog: { tools: DEFAULT_TOOL_COUNT, seed: DEFAULT_SEED },
    toolsList: {
      fullBytes: full.bytes,
      fullTools: full.tools,
      searchBytes: search.bytes,
      searchTools: search.tools,
    },
    search: {
      queries: n,
      top1,
      top5,
      top1Rate: top1 / n,
      top5Rate: top5 / n,
      meanResultBytes: Math.round(searchBytes / n),
      meanMsPerSearch: Math.round(((performance.now() - started) / n) * 100) / 100,
      top5Misses: misses,
    },
  };
}

/**
 * The index alone on larger synthetic catalogs: time to index them, mean time per query (the
 * fixture's queries), and the longest the event loop waited meanwhile (the index yields in slices).
 */
async function scale(queries: string[]) {
  const rows = [];
  for (const tools of [5_000, 20_000]) {
    const list = syntheticTools(tools, DEFAULT_SEED).map((d) => ({
      name: `synthetic_${d.name}`,
      title: d.title ?? '',
      description: d.description ?? '',
      inputSchema: d.inputSchema,
    }));
    const index = new ToolIndex(() => [list]);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    let started = performance.now();
    await index.refresh();
    const indexMs = performance.now() - started;
    started = performance.now();
    for (const query of queries) await index.rank(query, 32, 10);
    const queryMs = (performance.now() - started) / queries.length;
    delay.disable();
    rows.push({
      tools,
      indexMs: Math.round(indexMs),
      meanQueryMs: Math.round(queryMs * 100) / 100,
      maxLoopDelayMs: Math.round(delay.max / 1e6),
    });
  }
  return rows;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-tool-search-'));
  const jwksFile = join(dir, 'jwks.json');
  const policyFile = join(dir, 'policy.yaml');
  await writeFile(policyFile, 'roles:\n  local:\n    tools: { allow: ["*"] }\n');
  const provider = await serveProvider(
    { name: 'synthetic', version: '0.1.0', definitions },
    {
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
      drainTimeoutMs: 1_000,
      identify: createIdentityVerifier({
        jwksFile,
        audience: 'synthetic',
        issuer: 'mcp-fleet-gateway',
        insecure: false,
      }),
    },
  );
  const config = parseConfig(gatewayConfigSpec, {
    env: {
      MCPFLEET_GATEWAY_LISTEN: '127.0.0.1:0',
      MCPFLEET_GRPC_LISTEN: 'off',
      MCPFLEET_IDENTITY_JWKS_OUT: jwksFile,
      MCPFLEET_POLICY_FILE: policyFile,
      MCPFLEET_AUDIT_LOG: join(dir, 'audit.log'),
      MCPFLEET_SEARCH_MODE_CLIENTS: SEARCH_CLIENT,
    },
    argv: [],
  });
  const gateway = await build({
    config,
    providers: [
      {
        name: 'synthetic',
        target: `127.0.0.1:${provider.port}`,
        prefix: 'synthetic',
        timeoutMs: 10_000,
        toolTimeoutsMs: {},
      },
    ],
    logger: pino({ level: 'silent' }),
  });
  try {
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = gateway.app.server.address() as { port: number };
    while (gateway.registry.catalog.toolList.length < DEFAULT_TOOL_COUNT)
      await new Promise((r) => setTimeout(r, 50));
    const fixture = JSON.parse(await readFile(QUERIES, 'utf8')) as Fixture;
    const figures = {
      ...(await measure(`http://127.0.0.1:${port}/mcp`)),
      scale: await scale(fixture.queries.map((q) => q.query)),
    };
    const day = new Date().toISOString().slice(0, 10);
    const out = join(ROOT, 'bench/results');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, `tool-search-${day}.json`), `${JSON.stringify(figures, null, 2)}\n`);
    const { toolsList: l, search: s } = figures;
    const md = [
      `# Tool search, ${day}`,
      '',
      `Synthetic provider: ${figures.catalog.tools} tools (seed ${figures.catalog.seed}); ${s.queries} queries from services/gateway/test/fixtures/tool-search-queries.json.`,
      '',
      '| figure | value |',
      '| --- | --- |',
      `| tools/list, full mode (all pages, HTTP bodies) | ${l.fullBytes} bytes, ${l.fullTools} tools |`,
      `| tools/list, search mode | ${l.searchBytes} bytes, ${l.searchTools} tools |`,
      `| ratio | ${(l.fullBytes / l.searchBytes).toFixed(1)}× smaller |`,
      `| top-1 hit rate | ${s.top1}/${s.queries} (${(s.top1Rate * 100).toFixed(0)} %) |`,
      `| top-5 hit rate | ${s.top5}/${s.queries} (${(s.top5Rate * 100).toFixed(0)} %) |`,
      `| mean fleet_search_tools answer (limit 5) | ${s.meanResultBytes} bytes |`,
      `| mean time per search, sequential, over HTTP (informative) | ${s.meanMsPerSearch} ms |`,
      '',
      ...s.top5Misses.map((m) => `- top-5 miss: "${m.query}" → ${m.got.join(', ')}`),
      '',
      'The index alone, in this process (informative; the machine is shared):',
      '',
      '| tools | index | mean query | longest event-loop delay meanwhile |',
      '| --- | --- | --- | --- |',
      ...figures.scale.map(
        (r) => `| ${r.tools} | ${r.indexMs} ms | ${r.meanQueryMs} ms | ${r.maxLoopDelayMs} ms |`,
      ),
      '',
    ].join('\n');
    await writeFile(join(out, `tool-search-${day}.md`), md);
    process.stdout.write(md);
  } finally {
    await gateway.drain();
    await provider.drain();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
