import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Fleet,
  ROOT_POLICY,
  securityEnv,
  signingKey,
  startGateway,
  startProvider,
  startSdkServer,
} from './fleet.js';
import {
  atRate,
  type Call,
  CONNECTIONS,
  ladder,
  REWARM_CALLS,
  type Saturation,
  saturation,
  WARMUP_CALLS,
} from './measure.js';
import { medianRun, type RunResult } from './open-loop.js';
import { type Overhead, sideBySideOverhead } from './overhead.js';
import { latencyPlot } from './plot.js';
import { type Charged, edgePort, otlpSink, ROOT, waitReady } from './processes.js';
import { type BenchResults, markdown, type SystemResult } from './report.js';
import { directEcho, grpcEdgeEcho, sessionEcho, statelessEcho, websocketEcho } from './targets.js';
import { measureWorkflows, workflowsFile } from './workflows.js';

/** Alternated closed-loop rounds; each system's saturation is its median round. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const HALF_MS = Number(process.env.BENCH_HALF_MS ?? 5_000);
/**
 * Sessions of the WebSocket and gRPC edge targets: one per connection of the HTTP targets. The
 * gateway refuses a session's calls past 32 in flight (-32005, MCPFLEET_MAX_CONCURRENT_PER_SESSION):
 * on 4 or 8 sessions, a stall of the machine of 100 ms or more at the half rate piled up more
 * than that, and the refusals counted as errors.
 */
const EDGE_SESSIONS = CONNECTIONS;

interface System {
  label: string;
  call: Call;
  charged: Charged;
  /** Measured at the half rate too (latency columns). */
  half: boolean;
  close: () => Promise<void>;
}

/** A system and its control, measured side by side (sideBySideOverhead) rather than in the rounds. */
interface Pair {
  control: System;
  treated: System;
}

/** Every system of the pairs, once (a control may serve two pairs). */
const both = (paired: Record<string, Pair>) => [
  ...new Set(Object.values(paired).flatMap((p) => [p.control, p.treated])),
];

/** Every process of the run, started and ready. */
async function startProcesses(fleet: Fleet, sink: { endpoint: string }) {
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'bench' };
  const provider = await startProvider(fleet);
  const tracedProvider = await startProvider(fleet, otel);
  const gateway = await startGateway(fleet, 'open', provider.port, {
    MCPFLEET_POLICY_FILE: ROOT_POLICY,
    MCPFLEET_WORKFLOWS_FILE: await workflowsFile(fleet.dir),
  });
  const traced = await startGateway(fleet, 'traced', tracedProvider.port, {
    MCPFLEET_POLICY_FILE: ROOT_POLICY,
    ...otel,
  });
  // The same gateway with one Call stream per provider call: the multiplexed CallBatches lever, same run.
  const perCall = await startGateway(fleet, 'per-call', provider.port, {
    MCPFLEET_POLICY_FILE: ROOT_POLICY,
    MCPFLEET_PROVIDER_MUX: 'off',
  });
  // The secured and traced gateways and their controls (the same gateway without either), each on
  // a provider of its own and serving one system, measured next to each other. Against processes
  // that serve more systems back to back, they would be charged for how a process measured once
  // per round runs (slower than one kept busy).
  const twinProvider = await startProvider(fleet);
  const twin = await startGateway(fleet, 'twin', twinProvider.port, { MCPFLEET_POLICY_FILE: ROOT_POLICY });
  const untracedProvider = await startProvider(fleet);
  const untraced = await startGateway(fleet, 'untraced', untracedProvider.port, {
    MCPFLEET_POLICY_FILE: ROOT_POLICY,
  });
  const security = await securityEnv(fleet);
  const securedProvider = await startProvider(fleet);
  const secured = await startGateway(fleet, 'secured', securedProvider.port, security.env);
  // Two processes behind the gateway's ports (MCPFLEET_GATEWAY_WORKERS), replicas sharing Redis.
  const workers = await startGateway(fleet, 'workers', provider.port, {
    MCPFLEET_POLICY_FILE: ROOT_POLICY,
    MCPFLEET_GATEWAY_WORKERS: '2',
    REDIS_URL: security.env.REDIS_URL as string,
  });
  const sdk = await startSdkServer(fleet);
  for (const g of [gateway, traced, secured, perCall, twin, untraced, workers])
    await waitReady(`http://127.0.0.1:${g.port}/readyz`);
  return {
    provider,
    tracedProvider,
    twinProvider,
    gateway,
    traced,
    perCall,
    twin,
    untracedProvider,
    untraced,
    security,
    securedProvider,
    secured,
    workers,
    sdk,
  };
}

/** Every process of the run, ready, and a client of each system. */
async function setUp(fleet: Fleet): Promise<{
  systems: Record<string, System>;
  paired: Record<string, Pair>;
  gatewayUrl: string;
  close: () => void;
}> {
  const { token } = await signingKey(fleet.dir);
  const sink = await otlpSink();
  const procs = await startProcesses(fleet, sink);
  const through = (g: typeof procs.gateway, p = procs.provider) => ({
    gateway: g.process,
    provider: p.process,
  });
  const system = (
    label: string,
    target: { call: Call; close: () => Promise<void> },
    charged: Charged,
    half = true,
  ) => ({
    label,
    charged,
    half,
    ...target,
  });
  /** One gateway measured on both dialects over HTTP, as a 2025 session and as 2026 stateless calls. */
  const dialects = async (g: typeof procs.gateway, labels: [string, string], half = false) =>
    [
      system(labels[0], await sessionEcho(g.url, CONNECTIONS), through(g), half),
      system(labels[1], statelessEcho(g.url, CONNECTIONS), through(g), half),
    ] as const;
  const [gateway, stateless] = await dialects(
    procs.gateway,
    ['gateway, 2025-11-25 session (HTTP)', 'gateway, 2026-07-28 stateless (HTTP)'],
    true,
  );
  const [perCall, statelessPerCall] = await dialects(procs.perCall, [
    'gateway, 2025-11-25 session (HTTP), provider mux off',
    'gateway, 2026-07-28 stateless (HTTP), provider mux off',
  ]);
  const [workersSession, workersStateless] = await dialects(procs.workers, [
    'gateway, 2025 session, 2 workers (Redis)',
    'gateway, 2026 stateless, 2 workers (Redis)',
  ]);
  const systems = {
    direct: system(
      'provider over gRPC, directly (baseline)',
      directEcho(`127.0.0.1:${procs.provider.port}`, await token()),
      { provider: procs.provider.process },
    ),
    sdk: system(
      'official SDK v1 server, directly (baseline)',
      await sessionEcho(procs.sdk.url, CONNECTIONS),
      {
        server: procs.sdk.process,
      },
    ),
    gateway,
    stateless,
    websocket: system(
      'gateway, WebSocket edge',
      await websocketEcho(`ws://127.0.0.1:${procs.gateway.port}/ws`, EDGE_SESSIONS),
      through(procs.gateway),
    ),
    grpcEdge: system(
      'gateway, gRPC edge',
      await grpcEdgeEcho(`127.0.0.1:${await edgePort(procs.gateway.port)}`, EDGE_SESSIONS),
      through(procs.gateway),
    ),
    perCall,
    statelessPerCall,
    workersSession,
    workersStateless,
  };
  // Each against its control, a plain gateway measured as it is (its own process and provider).
  // Security is measured on the stateless dialect (no session store in Redis to confound it).
  const twinStateless = system(
    'gateway, 2026 stateless, a second process (control)',
    statelessEcho(procs.twin.url, CONNECTIONS),
    through(procs.twin, procs.twinProvider),
    false,
  );
  const paired: Record<string, Pair> = {
    // Two plain gateways, each on its own provider: what the method reads where there is no cost.
    calibration: {
      control: twinStateless,
      treated: system(
        'gateway, 2026 stateless, a third process (calibration)',
        statelessEcho(procs.untraced.url, CONNECTIONS),
        through(procs.untraced, procs.untracedProvider),
        false,
      ),
    },
    security: {
      control: twinStateless,
      treated: system(
        'gateway, 2026 stateless, security on',
        statelessEcho(procs.secured.url, CONNECTIONS, procs.security.header),
        through(procs.secured, procs.securedProvider),
        false,
      ),
    },
    tracing: {
      control: system(
        'gateway, 2025 session, a process of its own (control)',
        await sessionEcho(procs.untraced.url, CONNECTIONS),
        through(procs.untraced, procs.untracedProvider),
        false,
      ),
      treated: system(
        'gateway, 2025 session, tracing at default sampler',
        await sessionEcho(procs.traced.url, CONNECTIONS),
        through(procs.traced, procs.tracedProvider),
        false,
      ),
    },
  };
  return { systems, paired, gatewayUrl: procs.gateway.url, close: sink.close };
}

/**
 * Runs `run` on each system once per round, ROUNDS alternated rounds so all see the same machine,
 * each run after REWARM_CALLS discarded calls on the same system; each system's runs as one.
 * Every other round goes in reverse order, so a system and the control measured next to it take
 * turns going first: a machine that slows down or speeds up within a round charges neither.
 */
async function inRounds<T>(
  systems: [string, System][],
  run: (s: System) => Promise<T>,
  describe: (result: T) => string,
  combine: (runs: T[]) => T,
): Promise<Record<string, T>> {
  const rounds: Record<string, T[]> = Object.fromEntries(systems.map(([key]) => [key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [key, s] of round % 2 ? [...systems].reverse() : systems) {
      await saturation(s.call, s.charged, REWARM_CALLS);
      const result = await run(s);
      rounds[key]?.push(result);
      process.stderr.write(`round ${round + 1} ${key}: ${describe(result)}\n`);
    }
  }
  return Object.fromEntries(Object.entries(rounds).map(([key, runs]) => [key, combine(runs)]));
}

/** Each system's median saturation (by calls/s) over the rounds. */
function saturations(systems: Record<string, System>): Promise<Record<string, Saturation>> {
  return inRounds(
    Object.entries(systems),
    (s) => saturation(s.call, s.charged),
    (r) => `${r.callsPerSecond}/s ${JSON.stringify(r.cpuUsPerCall)} µs/call`,
    (runs) => ({
      ...([...runs].sort((a, b) => a.callsPerSecond - b.callsPerSecond)[
        Math.floor(runs.length / 2)
      ] as Saturation),
      rounds: runs.map((r) => r.callsPerSecond),
    }),
  );
}

/**
 * Each system's latency at `rate` over the rounds, every percentile the median of its rounds: one
 * 5-second run's p99 rests on its few slowest calls, which a stall of any process on the machine
 * sets (single runs of the same build went from 6 to 38 ms).
 */
function halfRates(systems: Record<string, System>, rate: number): Promise<Record<string, RunResult>> {
  return inRounds(
    Object.entries(systems).filter(([, s]) => s.half),
    (s) => atRate(s.label, rate, s.call, HALF_MS),
    (r) => `p50 ${r.p50} p99 ${r.p99} ms at ${rate}/s`,
    medianRun,
  );
}

function memory() {
  return JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', join(ROOT, 'bench/dist/memory.js')], { encoding: 'utf8' }),
  ) as BenchResults['memory'];
}

async function measure(
  systems: Record<string, System>,
  paired: Record<string, Pair>,
  gatewayUrl: string,
): Promise<BenchResults> {
  const load = loadavg();
  // Warm-up: one discarded saturation round per system, so every process's JIT is warm (a short
  // open-loop warm-up left the first measured round of the slower-to-warm systems, such as the
  // traced ones, well below their later rounds).
  for (const s of [...Object.values(systems), ...both(paired)])
    await saturation(s.call, s.charged, WARMUP_CALLS);
  const sat = await saturations(systems);
  const halfRate = Math.max(100, Math.floor((sat.gateway?.callsPerSecond ?? 200) / 2 / 100) * 100);
  const halves = await halfRates(systems, halfRate);
  const ladders: Record<string, RunResult[]> = {};
  for (const key of ['direct', 'sdk', 'gateway', 'stateless']) {
    const s = systems[key] as System;
    await saturation(s.call, s.charged, REWARM_CALLS);
    ladders[s.label] = await ladder(key, s.call);
  }
  const overheads: Record<string, Overhead> = {};
  for (const [key, p] of Object.entries(paired))
    overheads[key] = await sideBySideOverhead(key, p.control, p.treated);
  const workflows = await measureWorkflows(gatewayUrl);
  const results: Record<string, SystemResult> = {};
  for (const [key, s] of Object.entries(systems))
    results[key] = {
      label: s.label,
      saturation: sat[key] as Saturation,
      ...(halves[key] ? { half: halves[key] } : {}),
    };
  for (const [key, p] of Object.entries(paired)) {
    const o = overheads[key] as Overhead;
    results[`${key}Control`] = {
      label: `${p.control.label}, ${key} pair`,
      saturation: o.control,
      sharedMachine: true,
    };
    results[key] = { label: p.treated.label, saturation: o.treated, sharedMachine: true };
  }
  return {
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), node: process.version, load },
    workload: { tool: 'echo', connections: CONNECTIONS, rounds: ROUNDS, halfRate, halfMs: HALF_MS },
    systems: results,
    overheads: overheads as BenchResults['overheads'],
    workflows,
    memory: memory(),
    ladders,
  };
}

async function main() {
  const begin = performance.now();
  const fleet: Fleet = { dir: await mkdtemp(join(tmpdir(), 'mcpfleet-bench-')), processes: [] };
  const stop = () => {
    for (const child of fleet.processes) child.kill('SIGTERM');
  };
  process.on('exit', stop);
  try {
    const { systems, paired, gatewayUrl, close } = await setUp(fleet);
    const results = await measure(systems, paired, gatewayUrl);
    for (const s of [...Object.values(systems), ...both(paired)]) await s.close();
    close();
    const dir = join(ROOT, 'bench/results');
    await mkdir(dir, { recursive: true });
    const stem = `gateway-${results.date.replace(/[:.]/g, '-')}`;
    const svg = latencyPlot(
      `Echo latency against offered load, ${results.date.slice(0, 16)}`,
      results.ladders,
    );
    await writeFile(join(dir, `${stem}.json`), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(dir, `${stem}.svg`), svg);
    const md = markdown(results, `${stem}.svg`);
    await writeFile(join(dir, `${stem}.md`), md);
    process.stdout.write(
      `${md}\nresults: ${join(dir, stem)}.{md,svg,json}, in ${Math.round((performance.now() - begin) / 1000)} s\n`,
    );
  } finally {
    stop();
    await rm(fleet.dir, { recursive: true, force: true });
  }
}

await main();
