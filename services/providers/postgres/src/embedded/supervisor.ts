import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerMessage } from './server.js';

const SERVER = new URL('./server.js', import.meta.url);

/** initdb of a fresh data directory takes seconds; opening a kept one about one. */
const START_TIMEOUT_MS = 120_000;
/** How long a stopping database may take to close before it is killed. */
const CLOSE_TIMEOUT_MS = 5_000;
/** Relaunch attempts that fail back off up to this delay. */
const MAX_BACKOFF_MS = 30_000;
/** The tail of the child's stderr kept to explain a failed start. */
const STDERR_TAIL = 2_000;

export interface SupervisorOptions {
  dataDir: string;
  socketPath: string;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

interface Child {
  process: ChildProcess;
  /** Settles once the process ended and its stderr is read to the end. */
  exited: Promise<void>;
  stderr(): string;
}

function launchChild(options: SupervisorOptions, mode: 'serve' | 'prepare' = 'serve'): Child {
  const child = fork(SERVER, [options.dataDir, options.socketPath, mode], {
    // The provider's own flags (a telemetry --import) are not the database's.
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  // Not 'close': that waits for the IPC channel too, which Node leaves unreferenced, so a parent
  // with nothing else to do could exit before it closed.
  const exited = Promise.all([once(child, 'exit'), child.stderr ? once(child.stderr, 'close') : null]).then(
    () => undefined,
    () => undefined,
  );
  return { process: child, exited, stderr: () => tail };
}

/** Resolves when the child serves; rejects (and kills it) when it fails, exits or takes too long. */
function served(child: Child): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      child.process.kill('SIGKILL');
      const stderr = child.stderr().trim();
      reject(new Error(`the embedded database did not start: ${why}${stderr ? ` (${stderr})` : ''}`));
    };
    const onMessage = (message: ServerMessage) => {
      if (!message.ready) return;
      cleanup();
      resolve();
    };
    const onExit = () =>
      void child.exited.then(() => fail(`exited (${child.process.signalCode ?? child.process.exitCode})`));
    const timer = setTimeout(() => fail(`not ready after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      child.process.off('message', onMessage);
      child.process.off('exit', onExit);
    };
    child.process.on('message', onMessage);
    child.process.on('exit', onExit);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps one embedded database process serving on a fixed Unix socket. Every replacement (a kill
 * on demand, or a crash) starts a new generation: a call knows which generation it ran in, so a
 * failure caused by a replacement can be told from its own. A replacement waits for the old
 * process to be gone (one process per data directory) and relaunches with backoff until it serves.
 */
export class EmbeddedSupervisor {
  /** Bumped at every replacement. */
  generation = 0;
  /** Why the current generation replaced the previous one. */
  lastReason = '';
  private child: Child | undefined;
  private up: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly holds = new Set<Promise<void>>();

  constructor(private readonly options: SupervisorOptions) {}

  /** The first launch; it fails (rather than retries) so a broken data directory stops the provider. */
  async start(): Promise<void> {
    if (!existsSync(join(this.options.dataDir, 'PG_VERSION'))) await this.prepare();
    await this.launch();
  }

  /** At once, for a provider process that is exiting (no graceful close possible then). */
  kill(): void {
    this.stopped = true;
    this.child?.process.kill('SIGKILL');
  }

  /**
   * Settles when nothing holds the database and the current generation serves (never rejects
   * while the supervisor runs).
   */
  async ready(): Promise<void> {
    await Promise.all(this.holds);
    // Read after the holds: one of them may have replaced the generation.
    await this.up;
  }

  /**
   * New calls wait until `verdict` settles: a cancelled call is given a moment to end before the
   * database is killed, and a call started in that moment would only be killed with it.
   */
  hold(verdict: Promise<void>): void {
    this.holds.add(verdict);
    void verdict.finally(() => this.holds.delete(verdict));
  }

  /**
   * Kills the process of `generation` and starts the next one; a no-op when that generation was
   * already replaced (several overrunning calls ask at once).
   */
  replace(generation: number, reason: string): void {
    if (this.stopped || generation !== this.generation || !this.child) return;
    this.generation++;
    this.lastReason = reason;
    const old = this.child;
    const since = Date.now();
    this.options.logger.warn({ reason, generation: this.generation }, 'restarting the embedded database');
    this.up = old.exited
      .then(() => this.relaunch())
      .then(() =>
        this.options.logger.info(
          { ms: Date.now() - since, generation: this.generation },
          'the embedded database is serving again',
        ),
      )
      .catch(() => {});
    old.process.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child) return;
    if (child.process.connected) child.process.disconnect();
    const timer = setTimeout(() => child.process.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
    await child.exited;
    clearTimeout(timer);
  }

  /** Creates the data directory in a process of its own, which initdb leaves large. */
  private async prepare(): Promise<void> {
    const child = launchChild(this.options, 'prepare');
    this.child = child;
    await child.exited;
    const { exitCode, signalCode } = child.process;
    if (exitCode !== 0)
      throw new Error(
        `the embedded database could not be created in ${this.options.dataDir} (${signalCode ?? exitCode}): ${child.stderr().trim()}`,
      );
  }

  private async launch(): Promise<void> {
    const child = launchChild(this.options);
    this.child = child;
    try {
      await served(child);
    } catch (err) {
      await child.exited;
      throw err;
    }
    const generation = this.generation;
    void child.exited.then(() => {
      const { exitCode, signalCode } = child.process;
      this.replace(generation, `the embedded database exited unexpectedly (${signalCode ?? exitCode})`);
    });
  }

  private async relaunch(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        return await this.launch();
      } catch (err) {
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
        this.options.logger.warn({ err, delay }, 'the embedded database did not restart; trying again');
        await sleep(delay);
      }
    }
    throw new Error('the embedded database is stopped');
  }
}
