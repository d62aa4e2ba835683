/**
 * The analysis thread (see analysis.ts): parses and checks large caller SQL so the provider's
 * event loop never does. One job at a time; the parent terminates the thread at a job's deadline.
 */
import { parentPort } from 'node:worker_threads';
import { loadParser } from './sql-guard.js';
import type { Analysed } from './statement.js';
import { analyseNow, type Rules, toWire, type WireError } from './statement.js';

export interface Job {
  sqls: string[];
  rules: Rules;
}

export interface JobResult {
  analysed: Analysed[];
  failure?: { index: number; error: WireError };
}

if (!parentPort) throw new Error('analysis-worker.js runs as a worker thread of the postgres provider');
const port = parentPort;
await loadParser();
port.on('message', (job: Job) => {
  const { analysed, failure } = analyseNow(job.sqls, job.rules);
  const result: JobResult = failure
    ? { analysed, failure: { index: failure.index, error: toWire(failure.error) } }
    : { analysed };
  port.postMessage(result);
});
