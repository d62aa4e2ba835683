import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { writeWorkersAudit } from '../audit/worker-audit.js';
import { answerMetricsRequests } from '../telemetry/worker-metrics.js';

/** A worker exiting this soon after it started counts towards a crash loop. */
const EARLY_EXIT_MS = 10_000;
/** Early exits in a row after which the primary stops (its orchestrator restarts the pod). */
const MAX_EARLY_EXITS = 5;
const RESTART_DELAY_MS = 1_000;

/**
 * The primary of `count` gateway workers. Node's cluster shares the listeners (the primary
 * accepts connections and hands them out); each worker is a whole gateway and a replica of the
 * others as pods are, with sessions, limits and routing in Redis (config refuses more than one
 * worker without it). A worker that exits is replaced; SIGTERM or SIGINT drains every worker and
 * the primary exits once they have, non-zero when one of them failed.
 */
export function superviseWorkers(count: number, logger: Logger): void {
  const startedAt = new Map<number, number>();
  let draining = false;
  let failed = false;
  let earlyExits = 0;
  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker.id, performance.now());
  };
  const drain = (reason: string) => {
    if (draining) return;
    draining = true;
    logger.info({ reason, workers: startedAt.size }, 'stopping the gateway workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    if (startedAt.size === 0) process.exit(failed ? 1 : 0);
  };
  cluster.on('exit', (worker, code, signal) => {
    const lived = performance.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (draining) {
      // A worker still waiting for its providers has no handler yet: SIGTERM ends it, nothing to drain.
      if (code !== 0 && signal !== 'SIGTERM') failed = true;
      if (startedAt.size === 0) process.exit(failed ? 1 : 0);
      return;
    }
    earlyExits = lived < EARLY_EXIT_MS ? earlyExits + 1 : 0;
    if (earlyExits >= MAX_EARLY_EXITS) {
      logger.fatal({ code, signal, exits: earlyExits }, 'gateway workers keep exiting at start');
      failed = true;
      drain('crash loop');
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'gateway worker exited: starting another');
    setTimeout(() => {
      if (!draining) fork();
    }, RESTART_DELAY_MS);
  });
  process.on('SIGTERM', () => drain('SIGTERM'));
  process.on('SIGINT', () => drain('SIGINT'));
  answerMetricsRequests();
  writeWorkersAudit();
  for (let i = 0; i < count; i++) fork();
  logger.info({ workers: count }, 'gateway workers starting');
}
