import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { generateApiKey } from '@mcp-fleet/gateway/api-keys';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { openLoop, type RunResult } from './open-loop.js';
import { directEcho, gatewayEcho, grpcEdgeEcho, statelessEcho, websocketEcho } from './targets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STEP_MS = Number(process.env.BENCH_STEP_MS ?? 5_000);
const RATES = (process.env.BENCH_RATES ?? '500,1000,2000,3000,4000,5000,6000,8000').split(',').map(Number);
const CONNECTIONS = 32;
const SATURATION_CALLS = 20_000;
/** The targets of DESIGN.md section 7. */
const P99_LIMIT_MS = 10;
const ERROR_LIMIT = 0.001;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function start(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(ROOT, entry)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
  });
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const body = (await (await fetch(url)).json()) as { ready: boolean; providers: { up: boolean }[] };
      if (body.ready && body.providers.every((p) => p.up)) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${url} did not become ready`);
}

/** The gRPC edge port of a gateway (it listens on a free one in the bench), from its log-free /readyz neighbour. */
async function edgePort(gatewayPort: number): Promise<number> {
  const body = (await (await fetch(`http://127.0.0.1:${gatewayPort}/readyz`)).json()) as {
    grpcPort?: number;
  };
  if (!body.grpcPort) throw new Error('the gateway reports no gRPC edge port');
  return body.grpcPort;
}

/** Calls/s with CONNECTIONS calls always in flight: the most the target does at any latency. */
async function closedLoop(call: () => Promise<boolean>): Promise<number> {
  let started = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (started < SATURATION_CALLS) {
        started++;
        await call();
      }
    }),
  );
  return Math.round((SATURATION_CALLS * 1000) / (performance.now() - begin));
}

/** Steps of the benchmark workflow: one echo call each, one after the other. */
const WORKFLOW_STEPS = 20;
const WORKFLOW_RUNS = 50;

/** Mean milliseconds of `runs` sequential calls. */
async function meanMs(runs: number, call: () => Promise<boolean>): Promise<number> {
  const begin = performance.now();
  for (let i = 0; i < runs; i++) if (!(await call())) throw new Error('a benchmark call failed');
  return (performance.now() - begin) / runs;
}

const passes = (r: RunResult) => r.p99 <= P99_LIMIT_MS && r.errors / r.sent < ERROR_LIMIT;

/** Climbs the rate ladder until the p99 or error target breaks; the last passing rate is the capacity. */
async function ladder(
  target: string,
  call: () => Promise<boolean>,
): Promise<{ runs: RunResult[]; capacity: number }> {
  const runs: RunResult[] = [];
  let capacity = 0;
  for (const rate of RATES) {
    const result = await openLoop(target, rate, STEP_MS, call);
    runs.push(result);
    process.stderr.write(
      `${target} @${rate}/s: ${result.achievedPerSecond}/s p50 ${result.p50} ms p99 ${result.p99} ms errors ${result.errors}\n`,
    );
    if (!passes(result)) break;
    capacity = result.achievedPerSecond;
    await sleep(500);
  }
  return { runs, capacity };
}

/**
 * A second gateway with security on: an API key, a policy with an argument constraint, a rate
 * limit and a quota (all high enough never to refuse), so only their cost shows.
 */
/** A gateway process in front of the providers file in `dir`, signing with the bench's key. */
function startGateway(
  dir: string,
  port: number,
  keyFile: string,
  jwksOut: string,
  env: Record<string, string>,
): ChildProcess {
  return start('services/gateway/dist/src/server.js', {
    MCPFLEET_GATEWAY_LISTEN: `127.0.0.1:${port}`,
    MCPFLEET_PROVIDERS_FILE: join(dir, 'providers.yaml'),
    MCPFLEET_IDENTITY_KEY: keyFile,
    MCPFLEET_IDENTITY_JWKS_OUT: jwksOut,
    MCPFLEET_LOG_LEVEL: 'warn',
    MCPFLEET_GRPC_LISTEN: '127.0.0.1:0',
    ...env,
  });
}

async function securedGateway(dir: string, keyFile: string, jwksFile: string) {
  const port = await freePort();
  const { key, hash } = generateApiKey('bench');
  await writeFile(
    join(dir, 'auth.yaml'),
    `apiKeys:\n  - { id: bench, hash: "${hash}", subject: bench, roles: [bench] }\n`,
  );
  await writeFile(
    join(dir, 'policy.yaml'),
    `roles:
  bench:
    tools: { allow: ["echo"], deny: ["test_*"] }
    arguments:
      echo: { type: object, properties: { text: { type: string, maxLength: 100 } }, required: [text] }
    rateLimit: { perSecond: 1000000, burst: 1000000 }
    toolRateLimit: { perSecond: 1000000, burst: 1000000 }
    quota: { perHour: 100000000 }
`,
  );
  const child = startGateway(dir, port, keyFile, `${jwksFile}.secured`, {
    MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
    MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
    MCPFLEET_AUDIT_LOG: join(dir, 'audit-secured.log'),
  });
  await waitReady(`http://127.0.0.1:${port}/readyz`);
  return { url: `http://127.0.0.1:${port}/mcp`, apiKey: key, process: child };
}

type Target = { call: () => Promise<boolean>; close: () => Promise<void> };

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

/**
 * Saturation and half-load latency of every way into the gateway beside the direct baseline: the
 * 2025 session over Streamable HTTP, the 2026-07-28 stateless request (no session: `_meta` and
 * routing headers on every POST), the WebSocket and the gRPC edges.
 */
async function measureEdges(gatewayPort: number, half: number, direct: Target, http: Target) {
  const stateless = statelessEcho(`http://127.0.0.1:${gatewayPort}/mcp`, CONNECTIONS);
  const ws = await websocketEcho(`ws://127.0.0.1:${gatewayPort}/ws`, 4);
  const edge = await grpcEdgeEcho(`127.0.0.1:${await edgePort(gatewayPort)}`, 4);
  for (const target of [stateless, ws, edge]) await openLoop('warmup', 1000, 2000, target.call);
  const saturation = {
    direct: await closedLoop(direct.call),
    gateway: await closedLoop(http.call),
    stateless: await closedLoop(stateless.call),
    websocket: await closedLoop(ws.call),
    grpcEdge: await closedLoop(edge.call),
  };
  const edgesHalf = {
    stateless: await openLoop('stateless HTTP', half, STEP_MS, stateless.call),
    websocket: await openLoop('websocket', half, STEP_MS, ws.call),
    grpcEdge: await openLoop('grpc edge', half, STEP_MS, edge.call),
  };
  for (const target of [stateless, ws, edge]) await target.close();
  return { saturation, edgesHalf };
}

/** A workflow's steps against the same calls made one by one by a client: what a step costs. */
async function measureWorkflows(url: string) {
  const items = Array.from({ length: WORKFLOW_STEPS }, (_, i) => `item ${i}`);
  const workflowRun = await gatewayEcho(url, 1, {}, { name: 'workflow_echoes', arguments: { items } });
  const oneByOne = await gatewayEcho(url, 1);
  await meanMs(10, workflowRun.call);
  await meanMs(100, oneByOne.call);
  const workflowMs = await meanMs(WORKFLOW_RUNS, workflowRun.call);
  const callMs = await meanMs(WORKFLOW_RUNS * WORKFLOW_STEPS, oneByOne.call);
  await workflowRun.close();
  await oneByOne.close();
  return {
    steps: WORKFLOW_STEPS,
    msPerRun: Math.round(workflowMs * 100) / 100,
    msPerStep: Math.round((workflowMs / WORKFLOW_STEPS) * 1000) / 1000,
    msPerClientCall: Math.round(callMs * 1000) / 1000,
    ratio: Math.round((workflowMs / WORKFLOW_STEPS / callMs) * 100) / 100,
  };
}

type Edges = Awaited<ReturnType<typeof measureEdges>>;

interface Results {
  saturation: Edges['saturation'];
  edges: Edges['edgesHalf'];
  capacity: { direct: number; gateway: number; ratio: number };
  halfLoad: { rate: number; direct: RunResult; gateway: RunResult; addedP50Ms: number; addedP99Ms: number };
  security: { open: number; secured: number; overhead: number };
  workflows: Awaited<ReturnType<typeof measureWorkflows>>;
  memory: { sessions: number; perSessionBytes: number };
}

/** The results as the Markdown table of the note. */
function report(r: Results): string {
  const { saturation: sat, edges, halfLoad, workflows, memory, security } = r;
  const half = halfLoad.rate;
  const { stateless } = edges;
  return [
    `| figure | direct gRPC | gateway | ratio / added |`,
    `| --- | --- | --- | --- |`,
    `| capacity at p99 ≤ ${P99_LIMIT_MS} ms, errors < 0.1 % (calls/s) | ${r.capacity.direct} | ${r.capacity.gateway} | ${r.capacity.ratio} |`,
    `| p50 at ${half}/s (ms) | ${halfLoad.direct.p50} | ${halfLoad.gateway.p50} | +${halfLoad.addedP50Ms} |`,
    `| p99 at ${half}/s (ms) | ${halfLoad.direct.p99} | ${halfLoad.gateway.p99} | +${halfLoad.addedP99Ms} |`,
    `| p99.9 at ${half}/s (ms) | ${halfLoad.direct.p999} | ${halfLoad.gateway.p999} | |`,
    `| saturation, ${CONNECTIONS} calls in flight (calls/s) | ${sat.direct} | ${sat.gateway} | ${ratio(sat.gateway, sat.direct)} |`,
    `| stateless 2026-07-28 over HTTP (no session; _meta + routing headers): saturation calls/s, p50/p99 at ${half}/s | ${sat.direct} | ${sat.stateless}, p50 ${stateless.p50} ms, p99 ${stateless.p99} ms (session: ${sat.gateway}, p50 ${halfLoad.gateway.p50} ms, p99 ${halfLoad.gateway.p99} ms) | ${ratio(sat.stateless, sat.direct)} |`,
    `| WebSocket edge: saturation calls/s, p99 at ${half}/s | ${sat.direct} | ${sat.websocket}, p99 ${edges.websocket.p99} ms | ${ratio(sat.websocket, sat.direct)} |`,
    `| gRPC edge: saturation calls/s, p99 at ${half}/s | ${sat.direct} | ${sat.grpcEdge}, p99 ${edges.grpcEdge.p99} ms | ${ratio(sat.grpcEdge, sat.direct)} |`,
    `| API key + policy (with an argument constraint) + rate limit + quota: calls/s at saturation | ${security.open} open | ${security.secured} secured | ${security.overhead} % overhead |`,
    `| workflow of ${WORKFLOW_STEPS} sequential echo steps vs the same calls one by one from a client (ms per step) | ${workflows.msPerClientCall} per client call | ${workflows.msPerStep} per step (${workflows.msPerRun} per run) | ${workflows.ratio} |`,
    `| heap per idle session (in-memory store, ${memory.sessions} sessions) | | ${memory.perSessionBytes} B | |`,
    '',
  ].join('\n');
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-bench-'));
  const keyFile = join(dir, 'key.json');
  const jwksFile = join(dir, 'jwks.json');
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'EdDSA', kid: 'bench' };
  await writeFile(keyFile, JSON.stringify(jwk));
  const providerPort = await freePort();
  const gatewayPort = await freePort();
  await writeFile(
    join(dir, 'providers.yaml'),
    `providers:\n  - name: everything\n    target: 127.0.0.1:${providerPort}\n    prefix: ""\n`,
  );
  await writeFile(
    join(dir, 'workflows.yaml'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow template, not a JavaScript one
    'workflows:\n  - name: echoes\n    steps:\n      - for_each: inputs.items\n        steps: [{ call: echo, arguments: { text: "${item}" } }]\n',
  );

  const gateway = startGateway(dir, gatewayPort, keyFile, jwksFile, {
    MCPFLEET_POLICY_FILE: join(ROOT, 'deploy/dev/policy.yaml'),
    MCPFLEET_AUDIT_LOG: join(dir, 'audit.log'),
    MCPFLEET_WORKFLOWS_FILE: join(dir, 'workflows.yaml'),
  });
  await sleep(500);
  const provider = start('services/providers/everything/dist/src/main.js', {
    MCPFLEET_LISTEN: `127.0.0.1:${providerPort}`,
    MCPFLEET_IDENTITY_JWKS: jwksFile,
    MCPFLEET_LOG_LEVEL: 'warn',
  });
  const stop = () => {
    gateway.kill('SIGTERM');
    provider.kill('SIGTERM');
  };
  process.on('exit', stop);
  try {
    const url = `http://127.0.0.1:${gatewayPort}/mcp`;
    await waitReady(`http://127.0.0.1:${gatewayPort}/readyz`);
    const token = await new SignJWT({ principal: 'bench:mcp-fleet:default:bench', roles: [] })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'bench' })
      .setIssuer('mcp-fleet-gateway')
      .setAudience('everything')
      .setSubject('bench')
      .setExpirationTime('1h')
      .sign(await importJWK(jwk, 'EdDSA'));

    const direct = directEcho(`127.0.0.1:${providerPort}`, token);
    const http = await gatewayEcho(url, CONNECTIONS);
    // Warm both paths (JIT, connections) before measuring.
    await openLoop('warmup', 1000, 2000, direct.call);
    await openLoop('warmup', 1000, 2000, http.call);

    const directLadder = await ladder('direct gRPC', direct.call);
    const gatewayLadder = await ladder('gateway HTTP', http.call);
    const half = Math.max(100, Math.floor(gatewayLadder.capacity / 2 / 100) * 100);
    const directHalf = await openLoop('direct gRPC', half, STEP_MS, direct.call);
    const gatewayHalf = await openLoop('gateway HTTP', half, STEP_MS, http.call);

    const { saturation, edgesHalf } = await measureEdges(gatewayPort, half, direct, http);
    const secured = await securedGateway(dir, keyFile, jwksFile);
    const securedHttp = await gatewayEcho(secured.url, CONNECTIONS, {
      authorization: `Bearer ${secured.apiKey}`,
    });
    await openLoop('warmup', 1000, 2000, securedHttp.call);
    // Back to back, so both see the same machine state.
    const security = { open: await closedLoop(http.call), secured: await closedLoop(securedHttp.call) };
    await securedHttp.close();
    secured.process.kill('SIGTERM');
    const workflows = await measureWorkflows(url);
    const memory = JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', join(ROOT, 'bench/dist/memory.js')], {
        encoding: 'utf8',
      }),
    ) as { sessions: number; perSessionBytes: number };
    await http.close();
    await direct.close();

    const results = {
      date: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).availableParallelism(), node: process.version },
      workload: {
        tool: 'echo',
        connections: CONNECTIONS,
        stepMs: STEP_MS,
        p99LimitMs: P99_LIMIT_MS,
        errorLimit: ERROR_LIMIT,
      },
      capacity: {
        direct: directLadder.capacity,
        gateway: gatewayLadder.capacity,
        ratio: Math.round((gatewayLadder.capacity / directLadder.capacity) * 100) / 100,
      },
      halfLoad: {
        rate: half,
        direct: directHalf,
        gateway: gatewayHalf,
        addedP50Ms: Math.round((gatewayHalf.p50 - directHalf.p50) * 1000) / 1000,
        addedP99Ms: Math.round((gatewayHalf.p99 - directHalf.p99) * 1000) / 1000,
      },
      saturation: { ...saturation, ratio: ratio(saturation.gateway, saturation.direct) },
      edges: edgesHalf,
      security: { ...security, overhead: Math.round((1 - security.secured / security.open) * 1000) / 10 },
      workflows,
      memory,
      ladders: { direct: directLadder.runs, gateway: gatewayLadder.runs },
    };
    await mkdir(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, 'bench/results', `gateway-${results.date.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${report(results)}\nresults: ${file}\n\n`);
  } finally {
    stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
