import type { Saturation } from './measure.js';
import { ratio } from './measure.js';
import { median } from './median.js';
import type { RunResult } from './open-loop.js';
import type { Overhead } from './overhead.js';

/** One system of the run: its median saturation over the rounds, and its latency at the half rate. */
export interface SystemResult {
  label: string;
  saturation: Saturation;
  half?: RunResult;
  /** Measured side by side with another system: its calls/s compare with nothing measured alone. */
  sharedMachine?: boolean;
}

export interface Memory {
  sessions: number;
  perSessionBytes: number;
  listenStreams: number;
  perListenStreamBytes: number;
}

export interface Workflows {
  steps: number;
  msPerRun: number;
  msPerStep: number;
  msPerClientCall: number;
  ratio: number;
}

export interface BenchResults {
  date: string;
  machine: { cpus: number; node: string; load: number[] };
  workload: { tool: string; connections: number; rounds: number; halfRate: number; halfMs: number };
  /**
   * Keyed: direct, sdk, gateway (2025 session), stateless (2026), websocket, grpcEdge,
   * workersSession, workersStateless; and calibration, security, tracing with their controls
   * calibrationControl, securityControl, tracingControl (each side from `overheads`).
   */
  systems: Record<string, SystemResult>;
  overheads: Record<'calibration' | 'security' | 'tracing', Overhead>;
  workflows: Workflows;
  memory: Memory;
  ladders: Record<string, RunResult[]>;
}

const us = (s: Saturation, role: string) =>
  s.cpuUsPerCall[role] === undefined ? '' : `${s.cpuUsPerCall[role]}`;

/**
 * `compare` of two systems in each round they both ran (side by side, the order alternating), or
 * undefined without per-round figures. The machine's speed drifts from minute to minute (a shared
 * VM: one system's rounds here went from 2,100 to 3,600 calls/s), and a figure of two medians,
 * each from a different round, carries that drift; one round's pair does not.
 */
function perRound(
  a: Saturation | undefined,
  b: Saturation | undefined,
  compare: (a: number, b: number) => number,
): number[] | undefined {
  const x = a?.rounds ?? [];
  const y = b?.rounds ?? [];
  return x.length && x.length === y.length ? x.map((value, i) => compare(value, y[i] as number)) : undefined;
}

/**
 * `compare` of two systems: the median of its rounds, or without per-round figures the comparison
 * of their medians.
 */
function paired(
  a: Saturation | undefined,
  b: Saturation | undefined,
  compare: (a: number, b: number) => number,
): number {
  const each = perRound(a, b, compare);
  return each ? median(each) : compare(a?.callsPerSecond ?? Number.NaN, b?.callsPerSecond ?? Number.NaN);
}

const mark = (ok: boolean) => (ok ? 'met' : 'not met');
/**
 * Met or not only when the whole interval is on one side of the goal, and the calibration pair
 * (two identical gateways) reads no difference: otherwise the run's own error could decide it.
 */
function decided(o: Overhead, goal: number, calibration: Overhead): string {
  if (!(calibration.low <= 0 && calibration.high >= 0))
    return 'undecided: the calibration pair reads a difference';
  return o.high <= goal ? 'met' : o.low > goal ? 'not met' : 'undecided: the interval holds the goal';
}
const cpu = (s: Saturation) => (s.cpuUsPerCall.gateway ?? 0) + (s.cpuUsPerCall.provider ?? 0);
const cost = (o: Overhead) => {
  const interval = Number.isFinite(o.low)
    ? `${Math.round(o.confidence * 1000) / 10} % interval ${o.low} to ${o.high}`
    : 'too few pairs of windows for an interval';
  return `${o.value} % (${interval}; ${o.pairs.length} pairs of windows: ${o.pairs.join(', ')}; gateway + provider CPU ${cpu(o.control)} → ${cpu(o.treated)} µs/call)`;
};
const signed = (n: number) => (n >= 0 ? `+${n}` : `${n}`);

function systemsTable(r: BenchResults): string[] {
  const { sdk, direct } = r.systems as Record<'sdk' | 'direct', SystemResult>;
  const rows = Object.values(r.systems).map(({ label, saturation: s, half, sharedMachine }) => {
    const h = half ? [half.p50, half.p99, half.p999] : ['', '', ''];
    const errors = s.errors + (half?.errors ?? 0);
    const own = us(s, 'gateway') || us(s, 'server');
    const vs = (base: SystemResult) =>
      sharedMachine ? '' : ratio(s.callsPerSecond, base.saturation.callsPerSecond);
    return `| ${label} | ${s.callsPerSecond} | ${vs(sdk)} | ${vs(direct)} | ${h.join(' | ')} | ${errors} | ${own} | ${us(s, 'provider')} | ${us(s, 'client')} |`;
  });
  return [
    `| system | calls/s at saturation (${r.workload.connections} in flight) | × SDK server | × direct gRPC | p50 ms at ${r.workload.halfRate}/s | p99 ms | p99.9 ms | errors | CPU µs/call (gateway or server) | CPU µs/call (provider) | CPU µs/call (load generator) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ];
}

function targetsTable(r: BenchResults): string[] {
  const s = r.systems as Record<string, SystemResult>;
  const added = (key: string, field: 'p50' | 'p99') =>
    Math.round(((s[key]?.half?.[field] ?? Number.NaN) - (s.direct?.half?.[field] ?? Number.NaN)) * 1000) /
    1000;
  const x = (key: string, baseline: string) => paired(s[key]?.saturation, s[baseline]?.saturation, ratio);
  const vsSdk = Math.min(x('gateway', 'sdk'), x('stateless', 'sdk'));
  const workersVsSdk = Math.min(x('workersSession', 'sdk'), x('workersStateless', 'sdk'));
  const vsDirect = Math.min(x('gateway', 'direct'), x('stateless', 'direct'));
  const p50 = Math.max(added('gateway', 'p50'), added('stateless', 'p50'));
  const p99 = Math.max(added('gateway', 'p99'), added('stateless', 'p99'));
  const { memory: m, overheads: o } = r;
  return [
    '| target (issue 20) | goal | this run | |',
    '| --- | --- | --- | --- |',
    `| gateway vs official SDK server, both dialects (worse of the two), median of the rounds' ratios | ≥ 1.5× | ${vsSdk}× (session ${x('gateway', 'sdk')}, stateless ${x('stateless', 'sdk')}) | ${mark(vsSdk >= 1.5)} |`,
    `| the same, gateway of 2 workers (MCPFLEET_GATEWAY_WORKERS=2, Redis) | ≥ 1.5× | ${workersVsSdk}× (session ${x('workersSession', 'sdk')}, stateless ${x('workersStateless', 'sdk')}) | ${mark(workersVsSdk >= 1.5)} |`,
    `| gateway vs direct gRPC provider, both dialects, median of the rounds' ratios | ≥ 0.9× | ${vsDirect}× | ${mark(vsDirect >= 0.9)} |`,
    `| latency added over direct gRPC at ${r.workload.halfRate}/s (worse dialect) | p50 ≤ 0.3 ms, p99 ≤ 2 ms | p50 ${signed(p50)} ms, p99 ${signed(p99)} ms | ${mark(p50 <= 0.3 && p99 <= 2)} |`,
    `| heap per idle session (${m.sessions}) | ≤ 20 KB | ${(m.perSessionBytes / 1024).toFixed(1)} KB | ${mark(m.perSessionBytes <= 20_480)} |`,
    `| heap per open subscriptions/listen stream (${m.listenStreams}) | ≤ 30 KB | ${(m.perListenStreamBytes / 1024).toFixed(1)} KB | ${mark(m.perListenStreamBytes <= 30_720)} |`,
    `| security on (API key, policy with an argument constraint, Redis rate limit, quota), 2026 stateless, vs its control under load at the same time, median of pairs of windows | ≤ 10 % | ${cost(o.security)} | ${decided(o.security, 10, o.calibration)} |`,
    `| tracing at the default sampler (10 %, OTLP export, gateway and provider), 2025 session, vs its control under load at the same time, median of pairs of windows | ≤ 10 % | ${cost(o.tracing)} | ${decided(o.tracing, 10, o.calibration)} |`,
    `| calibration: two plain gateways, 2026 stateless, measured the same way (the method's own error) | 0 % | ${cost(o.calibration)} | |`,
  ];
}

/** The run as Markdown: what it ran on, every system's figures, the targets, the plot. */
export function markdown(r: BenchResults, svgFile: string): string {
  const w = r.workflows;
  return [
    `# make bench, ${r.date}`,
    '',
    `${r.machine.cpus} CPUs, Node ${r.machine.node}, load average at start ${r.machine.load.map((l) => l.toFixed(2)).join(' ')}; echo tool; saturation = median of ${r.workload.rounds} closed-loop rounds, every system once per round, every other round in reverse order, after a discarded warm-up round per system; latency = open loop (no coordinated omission) at half the gateway's saturation, each percentile the median of ${r.workload.rounds} alternated ${r.workload.halfMs / 1000}-second runs. CPU per call = process user+system time / calls during the saturation run. Ratios in the targets: the median of the rounds' figures, each from two systems of one round. Security and tracing: their own phase, each system loaded at the same time as its control (${r.workload.connections} in flight each) over short windows, the side that sends first turning every window; the median over pairs of windows (one of either order) of the overhead (1 − its calls / the control's) with its distribution-free interval, and a calibration pair of two plain gateways measured the same way: a target is decided only when the calibration's interval holds 0. Their rows above: the median window's calls/s (no ratios: they shared the machine), CPU per call over all windows.`,
    '',
    ...systemsTable(r),
    '',
    ...targetsTable(r),
    '',
    `Workflow of ${w.steps} sequential echo steps: ${w.msPerStep} ms per step vs ${w.msPerClientCall} ms per client call (${w.ratio}×).`,
    '',
    `![latency against offered load](${svgFile})`,
    '',
  ].join('\n');
}
