import { setTimeout as sleep } from 'node:timers/promises';
import { openLoop, type RunResult } from './open-loop.js';
import { type Charged, withCpu } from './processes.js';

export const CONNECTIONS = 32;
const SATURATION_CALLS = Number(process.env.BENCH_SATURATION_CALLS ?? 20_000);
/** Calls of the discarded saturation round that warms each system before it is measured. */
export const WARMUP_CALLS = Number(process.env.BENCH_WARMUP_CALLS ?? 10_000);
/**
 * Discarded calls right before every measured run. A process that sat idle while the other
 * systems were measured (a minute or so per round) spends 2-3× the CPU per call on its first few
 * thousand calls; without these, systems measured once per round on their own process (security
 * on, tracing) paid that and the gateway serving four systems back to back did not.
 */
export const REWARM_CALLS = Number(process.env.BENCH_REWARM_CALLS ?? 3_000);
/** The rate ladder of the latency plot, and how long each of its steps lasts. */
const STEP_MS = Number(process.env.BENCH_STEP_MS ?? 3_000);
const RATES = (process.env.BENCH_RATES ?? '500,1000,2000,3000,4000,5000,6000,8000').split(',').map(Number);
/**
 * A ladder stops at the step where its p99 passes this, or errors appear: the target is past
 * saturation. It climbs at least LADDER_MIN_STEPS, so the plot has a line even on a busy machine.
 */
const LADDER_P99_STOP_MS = 50;
const LADDER_MIN_STEPS = 3;

export type Call = () => Promise<boolean>;

/** What one system did at saturation: calls/s with CONNECTIONS calls always in flight, and CPU µs per call by process. */
export interface Saturation {
  callsPerSecond: number;
  errors: number;
  cpuUsPerCall: Record<string, number>;
  /** Calls/s of every measured round, in round order, where the figure is the median of rounds. */
  rounds?: number[];
}

/** The most a target does at any latency, with what each charged process spent per call. */
export async function saturation(
  call: Call,
  charged: Charged,
  calls = SATURATION_CALLS,
): Promise<Saturation> {
  let started = 0;
  let errors = 0;
  const { result: elapsedMs, cpu } = await withCpu(charged, async () => {
    const begin = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (started < calls) {
          started++;
          if (!(await call().catch(() => false))) errors++;
        }
      }),
    );
    return performance.now() - begin;
  });
  const cpuUsPerCall: Record<string, number> = {};
  for (const [role, seconds] of Object.entries(cpu)) cpuUsPerCall[role] = Math.round((seconds * 1e6) / calls);
  return { callsPerSecond: Math.round((calls * 1000) / elapsedMs), errors, cpuUsPerCall };
}

/** An open-loop run at `rate` for the standard step. */
export const atRate = (target: string, rate: number, call: Call, durationMs = STEP_MS) =>
  openLoop(target, rate, durationMs, call);

/** Latency against offered load: climbs the rate ladder until the target is clearly past saturation. */
export async function ladder(target: string, call: Call): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (const rate of RATES) {
    const result = await openLoop(target, rate, STEP_MS, call);
    runs.push(result);
    process.stderr.write(
      `${target} @${rate}/s: ${result.achievedPerSecond}/s p50 ${result.p50} ms p99 ${result.p99} ms errors ${result.errors}\n`,
    );
    if (runs.length >= LADDER_MIN_STEPS && (result.p99 > LADDER_P99_STOP_MS || result.errors > 0)) break;
    await sleep(300);
  }
  return runs;
}

export const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
