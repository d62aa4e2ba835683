import type { Logger } from 'pino';
import type { ConfigSpec } from './config.js';

/** Configuration keys of every MCP Fleet process, provider or gateway. */
export const processConfigSpec = {
  logLevel: {
    kind: 'enum',
    env: 'MCPFLEET_LOG_LEVEL',
    flag: 'log-level',
    values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
    default: 'info',
    doc: 'process log level',
  },
  drainTimeout: {
    kind: 'duration',
    env: 'MCPFLEET_DRAIN_TIMEOUT',
    flag: 'drain-timeout',
    default: 25_000,
    doc: 'how long SIGTERM waits for in-flight calls',
  },
} as const satisfies ConfigSpec;

/** On SIGTERM or SIGINT: log, drain, exit 0 (1 when draining fails). */
export function drainOnSignals(logger: Logger, drain: () => Promise<void>): void {
  let stopping = false;
  // One drain, whichever signals arrive (a terminal's Ctrl-C reaches a gateway worker twice: from
  // the terminal and from its primary).
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    drain().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
