/**
 * The embedded PGlite in a process of its own, forked by supervisor.ts with the data directory,
 * the socket path and optionally `prepare` as arguments. PGlite runs statements on the thread that calls it and can
 * neither time out nor cancel one, so a runaway statement holds only this process, which the
 * provider kills and replaces. It tells its parent over IPC when it serves (on stderr why it cannot), and
 * closes the database when the parent lets go of it. With `prepare` it creates the data
 * directory and exits 0.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { prepareDemo } from './demo.js';

/** The one message to the parent: serving. A failure is told on stderr, and exit code 1. */
export type ServerMessage = { ready: true };

const [dataDir, socketPath, mode] = process.argv.slice(2);
if (!dataDir || !socketPath || !process.send) {
  process.stderr.write(
    'usage: forked by the postgres provider with <data directory> <socket path> [prepare]\n',
  );
  process.exit(2);
}

try {
  // A killed process leaves its temporary files behind, and PGlite does not sweep them at start.
  rmSync(join(dataDir, 'base', 'pgsql_tmp'), { recursive: true, force: true });
  const db = await PGlite.create({ dataDir });
  await prepareDemo(db);
  if (mode === 'prepare') {
    // initdb grows WebAssembly memory that is never given back: a fresh process serves instead.
    await db.close();
    process.exit(0);
  } else await serve(db, socketPath);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

async function serve(db: PGlite, socketPath: string): Promise<void> {
  // A process killed while serving leaves its socket file behind.
  rmSync(socketPath, { force: true });
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 16 });
  await server.start();
  process.once('disconnect', () => {
    void server
      .stop()
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
  process.send?.({ ready: true } satisfies ServerMessage);
}
