import { median } from './median.js';

/** What one open-loop run measured. Latency counts from when a call was due, not when it was sent. */
export interface RunResult {
  target: string;
  rate: number;
  durationMs: number;
  sent: number;
  ok: number;
  errors: number;
  achievedPerSecond: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Calls in flight beyond which the target is declared saturated and further calls count as errors. */
const MAX_IN_FLIGHT = 20_000;

/**
 * Runs of one target as one: every percentile, the rate achieved and the maximum are the medians
 * of the runs'; counts are summed.
 */
export function medianRun(runs: readonly RunResult[]): RunResult {
  const middle = (field: 'p50' | 'p99' | 'p999' | 'max' | 'achievedPerSecond') =>
    median(runs.map((r) => r[field]));
  const sum = (field: 'sent' | 'ok' | 'errors' | 'durationMs') =>
    runs.reduce((total, r) => total + r[field], 0);
  const [first] = runs;
  if (!first) throw new Error('no runs to take the median of');
  return {
    target: first.target,
    rate: first.rate,
    durationMs: sum('durationMs'),
    sent: sum('sent'),
    ok: sum('ok'),
    errors: sum('errors'),
    achievedPerSecond: middle('achievedPerSecond'),
    p50: middle('p50'),
    p99: middle('p99'),
    p999: middle('p999'),
    max: middle('max'),
  };
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/**
 * Sends `rate` calls per second for `durationMs` on a fixed schedule, whatever the target's
 * answers: a slow target builds a queue that shows in the latencies (no coordinated omission).
 */
export async function openLoop(
  target: string,
  rate: number,
  durationMs: number,
  call: () => Promise<boolean>,
): Promise<RunResult> {
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let inFlight = 0;
  const interval = 1000 / rate;
  const total = Math.round((rate * durationMs) / 1000);
  const start = performance.now();
  let drained: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    drained = resolve;
  });
  const settle = () => {
    inFlight--;
    if (inFlight === 0 && sent >= total) drained();
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const due = start + sent * interval;
        sent++;
        if (inFlight >= MAX_IN_FLIGHT) {
          errors++;
          continue;
        }
        inFlight++;
        call().then(
          (good) => {
            latencies.push(performance.now() - due);
            if (good) ok++;
            else errors++;
            settle();
          },
          () => {
            errors++;
            settle();
          },
        );
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - performance.now())));
    };
    tick();
  });
  if (inFlight > 0) await allDone;
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    target,
    rate,
    durationMs,
    sent,
    ok,
    errors,
    achievedPerSecond: Math.round((ok * 1000) / elapsed),
    p50: round(percentile(latencies, 0.5)),
    p99: round(percentile(latencies, 0.99)),
    p999: round(percentile(latencies, 0.999)),
    max: round(latencies.at(-1) ?? Number.NaN),
  };
}
