import { Worker } from 'node:worker_threads';
import type { Job, JobResult } from './analysis-worker.js';
import { StatementRefused } from './sql-guard.js';
import { type Analysed, type Analysis, analyseNow, fromWire, type Rules } from './statement.js';

/** SQL up to this many characters is analysed on the event loop: a few milliseconds at most. */
const INLINE_CHARS = 4_096;
/**
 * All the SQL of one call together. Parsing and checking cost 1.5 to 3.6 ms of CPU per 1,000
 * characters at the worst (measured warm and cold), so one call's analysis stays under a second.
 */
export const MAX_CALL_CHARS = 200_000;
/** A job still running after this is abandoned and its thread replaced. */
const JOB_DEADLINE_MS = 10_000;
/** Calls waiting for the thread at most; more are refused as busy. */
const MAX_WAITING = 64;

/** Too many calls wait for SQL analysis; a retry shortly will find room. */
export class AnalysisBusy extends Error {
  override name = 'AnalysisBusy';
}

interface Pending {
  job: Job;
  signal: AbortSignal;
  resolve(result: JobResult): void;
  reject(err: unknown): void;
  dequeue(): void;
}

/**
 * Parses and checks caller SQL. Short SQL (what an ordinary call sends) is analysed at once on
 * the event loop; longer SQL on one worker thread, a job at a time under a deadline, so large
 * statements wait for each other but never hold the provider or an ordinary call.
 */
export class StatementAnalyser {
  private worker: Worker | undefined;
  private running: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiting: Pending[] = [];

  async analyse(sqls: readonly string[], rules: Rules, signal: AbortSignal): Promise<Analysis> {
    const chars = sqls.reduce((sum, sql) => sum + sql.length, 0);
    if (chars > MAX_CALL_CHARS)
      throw new StatementRefused(
        `the SQL of one call is limited to ${MAX_CALL_CHARS} characters, got ${chars}`,
      );
    if (chars <= INLINE_CHARS) return analyseNow(sqls, rules);
    const { analysed, failure } = await this.offload({ sqls: [...sqls], rules }, signal);
    return failure
      ? { analysed, failure: { index: failure.index, error: fromWire(failure.error) } }
      : { analysed };
  }

  private offload(job: Job, signal: AbortSignal): Promise<JobResult> {
    signal.throwIfAborted();
    if (this.waiting.length >= MAX_WAITING)
      throw new AnalysisBusy(`SQL analysis is busy (${MAX_WAITING} calls waiting): retry shortly`);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(pending), 1);
        reject(signal.reason);
      };
      const pending: Pending = {
        job,
        signal,
        resolve,
        reject,
        dequeue: () => signal.removeEventListener('abort', onAbort),
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(pending);
      this.next();
    });
  }

  private next(): void {
    if (this.running) return;
    const pending = this.waiting.shift();
    if (!pending) return;
    pending.dequeue();
    this.running = pending;
    const worker = this.thread();
    this.timer = setTimeout(
      () =>
        this.replace(
          worker,
          new StatementRefused(
            `analysing the SQL took longer than ${JOB_DEADLINE_MS} ms: send shorter statements`,
          ),
        ),
      JOB_DEADLINE_MS,
    );
    worker.postMessage(pending.job);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./analysis-worker.js', import.meta.url), {
      // A parse tree is a few hundred bytes per character of SQL at the worst.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    // Idle, the thread must not keep a finished process (or test) alive.
    worker.unref();
    worker.on('message', (result: JobResult) => this.settle((p) => p.resolve(result)));
    worker.on('error', (err) => this.replace(worker, new Error(`the SQL analyser failed: ${err.message}`)));
    worker.on('exit', (code) => this.replace(worker, new Error(`the SQL analyser stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(finish: (pending: Pending) => void): void {
    const running = this.running;
    if (!running) return;
    clearTimeout(this.timer);
    this.running = undefined;
    finish(running);
    this.next();
  }

  /** Drops a thread that failed or overran, failing its job; the next job starts a fresh one. */
  private replace(worker: Worker, error: Error): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    void worker.terminate();
    this.settle((p) => p.reject(error));
  }
}

/** One analyser per provider process: its thread is shared by every call. */
const analyser = new StatementAnalyser();

/** Analyses a call's statements in order, up to the first one refused. */
export function analyseStatements(
  sqls: readonly string[],
  rules: Rules,
  signal: AbortSignal,
): Promise<Analysis> {
  return analyser.analyse(sqls, rules, signal);
}

/** Analyses one statement; throws why it is refused. */
export async function analyseStatement(sql: string, rules: Rules, signal: AbortSignal): Promise<Analysed> {
  const { analysed, failure } = await analyser.analyse([sql], rules, signal);
  if (failure) throw failure.error;
  return analysed[0] as Analysed;
}
