/**
 * Open-loop load with every call accounted for: calls go out on a fixed schedule whatever the
 * fleet does, each must end by its deadline plus a margin, and each ends ok, with an error (by
 * code) or lost. The chaos (kills, restarts) runs beside it on the same clock.
 */
import { TOOL_TIMEOUT_MS } from './fleet.js';
import type { Outcome } from './mcp-http.js';

/** Slack over a call's deadline before it counts as lost, unless the scenario says otherwise. */
const MARGIN_MS = 2_000;
const MESSAGES_PER_CODE = 3;

export interface LoadOptions {
  /** Calls per second. */
  rate: number;
  /** How long calls are sent; the run then waits for the last ones to end. */
  durationMs: number;
  /** The longest a call may take by the scenario's contract: the gateway's tool timeout by default, a client's retry budget. */
  deadlineMs?: number;
  /** Slack over the deadline before a call without an answer counts as lost (2 s by default). */
  marginMs?: number;
  /** Makes call number `index`; `signal` aborts it once it is counted lost. */
  call(index: number, signal: AbortSignal): Promise<Outcome>;
}

export interface CallRecord {
  index: number;
  /** When the call was due, in ms from the start of the load. */
  dueMs: number;
  /** When its outcome was known (or it was declared lost), in ms from the start. */
  endMs: number;
  result: 'ok' | 'error' | 'lost';
  code?: string;
  message?: string;
}

export interface LoadReport {
  sent: number;
  ok: number;
  error: number;
  lost: number;
  errorsByCode: Record<string, number>;
  /** When the failed calls were due (ms from the start), as `first–last` windows 500 ms apart. */
  errorWindows: string;
  /** The first few distinct messages of each error code: what callers were told. */
  messagesByCode: Record<string, string[]>;
  /** From when each call was due to its answer, lost calls excluded. */
  maxLatencyMs: number;
  p99LatencyMs: number;
  records: CallRecord[];
}

/** The load's clock, for the chaos running beside it. */
export interface Clock {
  /** Milliseconds since the load started. */
  now(): number;
  /** Resolves once `ms` have passed since the load started. */
  at(ms: number): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function summarize(records: CallRecord[]): LoadReport {
  const errorsByCode: Record<string, number> = {};
  const messagesByCode: Record<string, string[]> = {};
  for (const r of records) {
    if (r.result !== 'error' || !r.code) continue;
    errorsByCode[r.code] = (errorsByCode[r.code] ?? 0) + 1;
    const messages = messagesByCode[r.code] ?? [];
    if (messages.length < MESSAGES_PER_CODE && !messages.includes(r.message ?? ''))
      messages.push(r.message ?? '');
    messagesByCode[r.code] = messages;
  }
  const windows: [number, number][] = [];
  for (const r of records) {
    if (r.result === 'ok') continue;
    const last = windows.at(-1);
    if (last && r.dueMs - last[1] < 500) last[1] = r.dueMs;
    else windows.push([r.dueMs, r.dueMs]);
  }
  const latencies = records
    .filter((r) => r.result !== 'lost')
    .map((r) => r.endMs - r.dueMs)
    .sort((a, b) => a - b);
  const round = (ms: number | undefined) => Math.round(ms ?? 0);
  return {
    sent: records.length,
    ok: records.filter((r) => r.result === 'ok').length,
    error: records.filter((r) => r.result === 'error').length,
    lost: records.filter((r) => r.result === 'lost').length,
    errorsByCode,
    messagesByCode,
    errorWindows: windows.map(([from, to]) => `${Math.round(from)}–${Math.round(to)}`).join(', '),
    maxLatencyMs: round(latencies.at(-1)),
    p99LatencyMs: round(latencies[Math.floor(latencies.length * 0.99)]),
    records,
  };
}

/** One call with its deadline: resolves with its record whatever happens, never later than the deadline. */
function accountedCall(options: LoadOptions, index: number, dueMs: number, now: () => number) {
  const controller = new AbortController();
  return new Promise<CallRecord>((resolve) => {
    const lostTimer = setTimeout(
      () => {
        resolve({ index, dueMs, endMs: now(), result: 'lost' });
        controller.abort(new Error('no answer by the deadline'));
      },
      Math.max(0, dueMs + (options.deadlineMs ?? TOOL_TIMEOUT_MS) + (options.marginMs ?? MARGIN_MS) - now()),
    );
    options.call(index, controller.signal).then(
      (outcome) => {
        clearTimeout(lostTimer);
        resolve(
          outcome.ok
            ? { index, dueMs, endMs: now(), result: 'ok' }
            : { index, dueMs, endMs: now(), result: 'error', code: outcome.code, message: outcome.message },
        );
      },
      (err: unknown) => {
        clearTimeout(lostTimer);
        resolve({ index, dueMs, endMs: now(), result: 'error', code: `exception ${String(err)}` });
      },
    );
  });
}

/**
 * Runs the load and `chaos` together; resolves when every call has ended (or been counted lost)
 * and the chaos has finished. A chaos step that throws fails the run after the load has ended.
 */
export async function underLoad<T>(
  options: LoadOptions,
  chaos: (clock: Clock) => Promise<T>,
): Promise<{ load: LoadReport; chaos: T }> {
  const start = performance.now();
  const now = () => performance.now() - start;
  const clock: Clock = { now, at: (ms) => sleep(ms - now()) };
  const total = Math.round((options.rate * options.durationMs) / 1000);
  const interval = 1000 / options.rate;
  const calls: Promise<CallRecord>[] = [];
  const send = async () => {
    while (calls.length < total) {
      while (calls.length < total && calls.length * interval <= now()) {
        const index = calls.length;
        calls.push(accountedCall(options, index, index * interval, now));
      }
      await sleep(Math.min(1, calls.length * interval - now()));
    }
  };
  const chaosDone = chaos(clock).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await send();
  const records = await Promise.all(calls);
  const ended = await chaosDone;
  if ('error' in ended) throw ended.error;
  return { load: summarize(records), chaos: ended.value };
}

/** The records of calls due in [fromMs, toMs). */
export function dueBetween(records: CallRecord[], fromMs: number, toMs = Number.POSITIVE_INFINITY) {
  return records.filter((r) => r.dueMs >= fromMs && r.dueMs < toMs);
}

/**
 * How calls fared once a fault was repaired at `fromMs`: the first call due after it that
 * succeeded, and the calls due after that one which still failed (a recovery that did not hold).
 */
export function recoveryAfter(records: CallRecord[], fromMs: number) {
  const after = dueBetween(records, fromMs);
  const firstOk = after.find((r) => r.result === 'ok');
  const relapses = firstOk ? dueBetween(records, firstOk.dueMs).filter((r) => r.result !== 'ok') : [];
  return { after, firstOk, relapses };
}
