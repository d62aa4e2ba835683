import { type Call, type Saturation, saturation } from './measure.js';
import { median } from './median.js';
import type { Charged } from './processes.js';

/**
 * Short runs of a system and its control, side by side, many times over. One pair of the main
 * rounds (20,000 calls each, a minute apart) spread from -34 % to +43 % on a shared host: the
 * host's speed changes within seconds. Here each pair runs within a few seconds, the order turns
 * every pair, and the interval says whether the pairs decide the target at all.
 */
const PAIRS = Number(process.env.BENCH_OVERHEAD_PAIRS ?? 21);
const CALLS = Number(process.env.BENCH_OVERHEAD_CALLS ?? 6_000);
/** Discarded before each run: the process sat idle while the other one ran. */
const REWARM = Number(process.env.BENCH_OVERHEAD_REWARM ?? 1_000);

export interface Measured {
  call: Call;
  charged: Charged;
}

/** A cost in % of the control's throughput: the median of the pairs and its confidence interval. */
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
  /** Each side's run with the median calls/s, with its CPU per call. */
  control: Saturation;
  treated: Saturation;
}

const percent = (control: number, treated: number) => Math.round((1 - treated / control) * 1000) / 10;

/** The run of median calls/s among `runs`, with every run's calls/s. */
function medianOf(runs: Saturation[]): Saturation {
  const sorted = [...runs].sort((a, b) => a.callsPerSecond - b.callsPerSecond);
  return {
    ...(sorted[Math.floor(sorted.length / 2)] as Saturation),
    rounds: runs.map((r) => r.callsPerSecond),
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
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let k = 0;
  while (k + 1 <= n / 2 && 1 - 2 * binomialAtMost(n, k) >= level) k++;
  if (k === 0) return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, confidence: 1 };
  return {
    low: sorted[k - 1] as number,
    high: sorted[n - k] as number,
    confidence: Math.round((1 - 2 * binomialAtMost(n, k - 1)) * 1000) / 1000,
  };
}

/** What `treated` costs against `control`, from PAIRS pairs of short runs, each pair's order the other way round from the last. */
export async function pairedOverhead(label: string, control: Measured, treated: Measured): Promise<Overhead> {
  const runs = { control: [] as Saturation[], treated: [] as Saturation[] };
  const once = async (side: 'control' | 'treated') => {
    const s = side === 'control' ? control : treated;
    await saturation(s.call, s.charged, REWARM);
    const result = await saturation(s.call, s.charged, CALLS);
    runs[side].push(result);
    return result;
  };
  for (let pair = 0; pair < PAIRS; pair++) {
    const order = pair % 2 ? (['treated', 'control'] as const) : (['control', 'treated'] as const);
    for (const side of order) await once(side);
    const c = runs.control[pair] as Saturation;
    const t = runs.treated[pair] as Saturation;
    process.stderr.write(
      `${label} pair ${pair + 1}: ${c.callsPerSecond} → ${t.callsPerSecond}/s (${percent(c.callsPerSecond, t.callsPerSecond)} %)\n`,
    );
  }
  const pairs = runs.control.map((c, i) =>
    percent(c.callsPerSecond, (runs.treated[i] as Saturation).callsPerSecond),
  );
  return {
    value: median(pairs),
    ...medianInterval(pairs),
    pairs,
    control: medianOf(runs.control),
    treated: medianOf(runs.treated),
  };
}
