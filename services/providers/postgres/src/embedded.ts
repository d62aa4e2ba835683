import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Watchdog } from './database.js';
import { EMBEDDED_ROLE } from './embedded/demo.js';
import { EmbeddedSupervisor, type SupervisorOptions } from './embedded/supervisor.js';
import { embeddedWatchdog } from './embedded/watchdog.js';

export { EMBEDDED_ROLE } from './embedded/demo.js';
export { EmbeddedRestarted } from './embedded/watchdog.js';

export interface EmbeddedOptions {
  /**
   * Where the database lives, kept across restarts of the database and of the provider
   * (`make dev`: .dev/pgdata). Unset: a temporary directory, removed on stop.
   */
  dataDir?: string;
  /** Told when the database is restarted and when it serves again. */
  logger?: SupervisorOptions['logger'];
}

export interface Embedded {
  /** A pg connection string: the database's Unix socket, in a directory only this user can enter. */
  url: string;
  /** Give it to the provider's Database: it ends overrunning calls by restarting the database. */
  watchdog: Watchdog;
  /** The process supervisor, for tests and figures. */
  supervisor: EmbeddedSupervisor;
  stop(): Promise<void>;
}

const quiet = { info() {}, warn() {} };

/**
 * PGlite (PostgreSQL compiled to WebAssembly) in a child process that serves the wire protocol
 * on a Unix socket, so the provider talks to it with `pg` exactly as it would to a real server.
 * PGlite cannot interrupt a statement, so the process is the unit of cancellation: the watchdog
 * kills and restarts it from its data directory when a call overruns. The socket rather than a
 * loopback port: it keeps its address across restarts, and no other local user can reach a
 * database that logs everyone in as its superuser.
 */
export async function startEmbedded(options: EmbeddedOptions = {}): Promise<Embedded> {
  const socketDir = mkdtempSync(join(tmpdir(), 'mcpfleet-pglite-'));
  const scratch = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'mcpfleet-pgdata-'));
  const removeDirs = () => {
    for (const dir of [socketDir, scratch])
      if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  const supervisor = new EmbeddedSupervisor({
    dataDir: options.dataDir ?? (scratch as string),
    // pg reaches a socket directory `host` at <host>/.s.PGSQL.<port>, port 5432 by default.
    socketPath: join(socketDir, '.s.PGSQL.5432'),
    logger: options.logger ?? quiet,
  });
  // A provider that exits any way at all takes its database with it.
  const onExit = () => {
    supervisor.kill();
    removeDirs();
  };
  process.once('exit', onExit);
  const cleanup = () => {
    process.off('exit', onExit);
    removeDirs();
  };
  try {
    await supervisor.start();
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    url: `postgres://${EMBEDDED_ROLE}@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
    watchdog: embeddedWatchdog(supervisor),
    supervisor,
    async stop() {
      await supervisor.stop();
      cleanup();
    },
  };
}
