import { type Call, CONNECTIONS, type Saturation } from './measure.js';
import { median } from './median.js';
import { type Charged, withCpu } from './processes.js';

/**
 * A system and its control loaded at the same time, each with its own CONNECTIONS calls always in
 * flight, over many short windows. Runs one after the other, even a pair of them seconds apart,
 * spread from -75 % to +43 % on a shared host whose speed changes within a second: side by side,
 * both meet the same machine at every instant, and the calls each completes in a window say what
 * one costs against the other. The interval says whether the windows decide the target at all.
 * Where the processes settle on the cores is left to the scheduler and can favour one side for a
 * whole phase; the calibration pair (two plain gateways) shows that error in the same run. Pinning
 * main threads to cores, swapped every other pair of windows, made it worse in `make bench`: the
 * windows split by placement into two groups ±15 % apart.
 */
/** Windows go in pairs, one per send order; a pair's mean is the unit of the median. */
const PAIRS = Math.max(1, Math.round(Number(process.env.BENCH_OVERHEAD_WINDOWS ?? 32) / 2));
const WINDOW_MS = Number(process.env.BENCH_OVERHEAD_WINDOW_MS ?? 2_000);
/** The discarded window before the measured ones, for both to reach their pace. */
const WARMUP_MS = Number(process.env.BENCH_OVERHEAD_WARMUP_MS ?? 3_000);

export interface Measured {
  call: Call;
  charged: Charged;
}

/**
 * A cost in % of the control's throughput: the median over pairs of windows (each pair one window
 * of either send order, so the order's own advantage cancels) and its confidence interval.
 */
export interface Overhead {
  /** The median of the pairs' overheads, in %. */
  value: number;
  /** Bounds of the distribution-free interval around the median, in %. */
  low: number;
  high: number;
  /** How often such an interval holds the true median (0.95 or just above). */
  confidence: number;
  /** Every pair's overhead in %, in the order run. */
  pairs: number[];
  /** Each side: the median window's calls/s, and CPU per call over all the windows. */
  control: Saturation;
  treated: Saturation;
}

/** What one side did in one window: calls completed, and CPU seconds by process role. */
interface Window {
  calls: number;
  errors: number;
  /** Calls that ended after the deadline: not counted, but the CPU measured includes them. */
  late: number;
  cpu: Record<string, number>;
}

/** NaN when the control completed nothing (the interval then reads undecided). */
const percent = (control: number, treated: number) =>
  control > 0 ? Math.round((1 - treated / control) * 1000) / 10 : Number.NaN;

/** A side over its windows: the median window's calls/s, CPU per call from every window's sums (late calls included). */
function summary(windows: Window[], ms: number): Saturation {
  const rounds = windows.map((w) => Math.round((w.calls * 1000) / ms));
  const calls = windows.reduce((sum, w) => sum + w.calls + w.late, 0);
  const cpuUsPerCall: Record<string, number> = {};
  for (const role of Object.keys(windows[0]?.cpu ?? {}))
    cpuUsPerCall[role] = Math.round((windows.reduce((sum, w) => sum + (w.cpu[role] ?? 0), 0) * 1e6) / calls);
  return {
    callsPerSecond: median(rounds),
    errors: windows.reduce((sum, w) => sum + w.errors, 0),
    cpuUsPerCall,
  };
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
function binomialAtMost(n: number, k: number): number {
  let term = 0.5 ** n;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

/**
 * The order-statistic interval of the median (no assumption on the shape of the noise): between
 * the k-th smallest and k-th largest value, k as large as keeps the coverage at `level` or above.
 */
export function medianInterval(
  values: readonly number[],
  level = 0.95,
): { low: number; high: number; confidence: number } {
  const none = { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, confidence: 1 };
  if (values.some(Number.isNaN)) return none;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let k = 0;
  while (k + 1 <= n / 2 && 1 - 2 * binomialAtMost(n, k) >= level) k++;
  if (k === 0) return none;
  return {
    low: sorted[k - 1] as number,
    high: sorted[n - k] as number,
    confidence: Math.round((1 - 2 * binomialAtMost(n, k - 1)) * 1000) / 1000,
  };
}

/** Both systems under load at once for `ms`: what each completed in that time, and what its processes spent. */
async function sideBySide(
  control: Measured,
  treated: Measured,
  ms: number,
  treatedFirst: boolean,
): Promise<[Window, Window]> {
  const deadline = performance.now() + ms;
  const load = async (s: Measured) => {
    let calls = 0;
    let errors = 0;
    let late = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < deadline) {
          const ok = await s.call().catch(() => false);
          // A call that ends after the window is not counted: both sides get the same time.
          if (performance.now() > deadline) {
            late++;
            break;
          }
          if (ok) calls++;
          else errors++;
        }
      }),
    );
    return { calls, errors, late };
  };
  const charged: Charged = {};
  for (const [role, child] of Object.entries(control.charged)) charged[`control ${role}`] = child;
  for (const [role, child] of Object.entries(treated.charged)) charged[`treated ${role}`] = child;
  // The side whose calls are sent first each turn of the event loop goes first every other window.
  const { result, cpu } = await withCpu(charged, async () => {
    if (!treatedFirst) return Promise.all([load(control), load(treated)]);
    const [t, c] = await Promise.all([load(treated), load(control)]);
    return [c, t] as const;
  });
  const side = (name: string, done: Omit<Window, 'cpu'>): Window => {
    const own: Record<string, number> = {};
    for (const [role, seconds] of Object.entries(cpu))
      if (role.startsWith(`${name} `)) own[role.slice(name.length + 1)] = seconds;
    return { ...done, cpu: own };
  };
  return [side('control', result[0]), side('treated', result[1])];
}

/** What `treated` costs against `control`: PAIRS pairs of windows of both under load at once. */
export async function sideBySideOverhead(
  label: string,
  control: Measured,
  treated: Measured,
): Promise<Overhead> {
  await sideBySide(control, treated, WARMUP_MS, false);
  const runs: [Window, Window][] = [];
  for (let window = 0; window < PAIRS * 2; window++) {
    const [c, t] = await sideBySide(control, treated, WINDOW_MS, window % 2 === 1);
    runs.push([c, t]);
    process.stderr.write(
      `${label} window ${window + 1}: ${c.calls} and ${t.calls} calls (${percent(c.calls, t.calls)} %)\n`,
    );
  }
  const each = runs.map(([c, t]) => percent(c.calls, t.calls));
  const pairs = Array.from(
    { length: PAIRS },
    (_, i) => Math.round((((each[2 * i] as number) + (each[2 * i + 1] as number)) / 2) * 10) / 10,
  );
  return {
    value: median(pairs),
    ...medianInterval(pairs),
    pairs,
    control: summary(
      runs.map(([c]) => c),
      WINDOW_MS,
    ),
    treated: summary(
      runs.map(([, t]) => t),
      WINDOW_MS,
    ),
  };
}
