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

const WORKER = new URL('./match-worker.js', import.meta.url);
/** One file of the read limit, split in lines, fits many times over; a runaway worker dies alone. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512 };

/**
 * Line matching in a worker thread under a hard deadline. The provider's event loop only waits for
 * answers; when the deadline passes or the call is cancelled the worker is terminated, whatever
 * line it is in the middle of, so no pattern and no input can hold the process past the deadline.
 */
export class LineMatcher {
  private worker?: Worker;
  private readonly timer: NodeJS.Timeout;
  private stopped?: Error;
  private pending?: (err: Error) => void;

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
    void this.worker?.terminate();
    this.pending?.(reason);
  }

  /** The matching lines of one file; rejects with MatchingStopped at the deadline. */
  search(request: FileRequest): Promise<FileResult> {
    if (this.stopped) return Promise.reject(this.stopped);
    const worker = this.start();
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

  private start(): Worker {
    this.worker ??= new Worker(WORKER, { workerData: this.setup, resourceLimits: WORKER_LIMITS });
    return this.worker;
  }

  /** Ends the worker and the deadline; call it once the search is over. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
    await this.worker?.terminate();
  }
}
