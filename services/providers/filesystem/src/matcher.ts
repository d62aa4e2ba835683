import { Worker } from 'node:worker_threads';

export interface MatcherSetup {
  pattern: string;
  ignoreCase: boolean;
  /** Lines of context before and after each match. */
  context: number;
  /** A line whose estimated cost (characters × program size) passes this is skipped and counted. */
  maxLineWork: number;
}

export interface FileRequest {
  text: string;
  /** Most matches wanted from this file. */
  most: number;
}

export interface LineMatch {
  line: number;
  text: string;
  before: string[];
  after: string[];
}

export interface FileResult {
  matches: LineMatch[];
  skipped: number;
}

/** Why matching stopped before its work was done. */
export class MatchingStopped extends Error {
  override name = 'MatchingStopped';
}

/** Too many greps run: this one could not start matching; a retry shortly will find a worker. */
export class GrepBusy extends Error {
  override name = 'GrepBusy';
}

/** Grep workers running at once in this process: each may hold a core until its deadline. */
export const MAX_GREP_WORKERS = 4;
/** Greps waiting for a worker at most, each holding a file it read; more are told to retry. */
const MAX_WAITING = 16;
let workers = 0;
/** Grants of the waiting greps, first come first served. */
const waiting = new Set<() => void>();

function nextWorker(): void {
  const [grant] = waiting;
  if (grant && workers < MAX_GREP_WORKERS) {
    waiting.delete(grant);
    grant();
  }
}

const WORKER = new URL('./match-worker.js', import.meta.url);
/** One file of the read limit, split in lines, fits many times over; a runaway worker dies alone. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512 };

/**
 * Line matching in a worker thread under a hard deadline. The provider's event loop only waits for
 * answers; when the deadline passes or the call is cancelled the worker is terminated, whatever
 * line it is in the middle of, so no pattern and no input can hold the process past the deadline.
 * At most MAX_GREP_WORKERS workers run at once: a grep waits for one within its own deadline.
 */
export class LineMatcher {
  private worker?: Worker;
  private starting?: Promise<Worker>;
  /** This matcher counts in `workers`. */
  private holding = false;
  private readonly timer: NodeJS.Timeout;
  private stopped?: Error;
  private pending?: (err: Error) => void;
  private cancelWait?: (err: Error) => void;

  constructor(
    private readonly setup: MatcherSetup,
    deadlineMs: number,
    private readonly signal: AbortSignal,
  ) {
    this.timer = setTimeout(() => this.stop(new MatchingStopped('deadline')), deadlineMs);
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = () => this.stop(this.signal.reason as Error);

  private stop(reason: Error): void {
    this.stopped ??= reason;
    this.pending?.(reason);
    this.cancelWait?.(
      reason instanceof MatchingStopped
        ? new GrepBusy(
            `grep is busy: ${MAX_GREP_WORKERS} searches ran for this one's whole deadline; retry shortly`,
          )
        : reason,
    );
    void this.retire();
  }

  /** Ends the worker, and only once its thread is gone gives its place to the next grep. */
  private async retire(): Promise<void> {
    try {
      await this.worker?.terminate();
    } finally {
      this.release();
    }
  }

  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    workers--;
    nextWorker();
  }

  /** Resolves once this matcher may run a worker. */
  private admitted(): Promise<void> {
    const admit = () => {
      this.cancelWait = undefined;
      this.holding = true;
      workers++;
    };
    if (workers < MAX_GREP_WORKERS && waiting.size === 0) {
      admit();
      return Promise.resolve();
    }
    if (waiting.size >= MAX_WAITING)
      return Promise.reject(new GrepBusy(`grep is busy: ${MAX_WAITING} searches are waiting; retry shortly`));
    return new Promise((resolve, reject) => {
      const grant = () => {
        admit();
        resolve();
      };
      this.cancelWait = (err) => {
        waiting.delete(grant);
        this.cancelWait = undefined;
        reject(err);
      };
      waiting.add(grant);
    });
  }

  /** The matching lines of one file; rejects with MatchingStopped at the deadline. */
  async search(request: FileRequest): Promise<FileResult> {
    if (this.stopped) throw this.stopped;
    const worker = await this.start();
    if (this.stopped) throw this.stopped;
    return new Promise<FileResult>((resolve, reject) => {
      const done = () => {
        this.pending = undefined;
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      const onMessage = (result: FileResult) => {
        done();
        resolve(result);
      };
      const onError = (err: Error) => {
        done();
        reject(new Error(`grep's matching worker failed: ${err.message}`));
      };
      this.pending = (err) => {
        done();
        reject(err);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(request);
    });
  }

  private start(): Promise<Worker> {
    this.starting ??= this.admitted().then(() => {
      if (this.stopped) throw this.stopped;
      this.worker = new Worker(WORKER, { workerData: this.setup, resourceLimits: WORKER_LIMITS });
      return this.worker;
    });
    return this.starting;
  }

  /** Ends the worker and the deadline; call it once the search is over. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
    this.cancelWait?.(new MatchingStopped('closed'));
    await this.retire();
  }
}
