import { Worker } from 'node:worker_threads';
import { Refused } from './api.js';
import type { ParseResult } from './manifest-worker.js';
import type { KubeObject } from './shown.js';

const WORKER = new URL('./manifest-worker.js', import.meta.url);
/** A 1 MB manifest's tree, many times over; a runaway parse dies alone. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512 };
/** The worst 1 MB manifests known parse in about 3 s; past this the worker is terminated. */
const DEADLINE_MS = 10_000;
/** Manifests parsed at once; a core stays free for the event loop. */
const PARSERS = 1;
/** Calls waiting for a parser at most; more are told to retry. */
const MAX_WAITING = 16;

let running = 0;
const waiting: (() => void)[] = [];

/** Waits for a free parser, giving up when the call is cancelled. */
function parserSlot(signal: AbortSignal): Promise<() => void> {
  signal.throwIfAborted();
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  if (running < PARSERS) {
    running++;
    return Promise.resolve(release);
  }
  if (waiting.length >= MAX_WAITING)
    return Promise.reject(
      new Error(`manifest parsing is busy (${MAX_WAITING} calls waiting): retry shortly`),
    );
  return new Promise((resolve, reject) => {
    const grant = () => {
      signal.removeEventListener('abort', onAbort);
      running++;
      resolve(release);
    };
    const onAbort = () => {
      waiting.splice(waiting.indexOf(grant), 1);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    waiting.push(grant);
  });
}

/** One parse in its own worker, ended by its answer, its deadline, its crash or the call's cancellation. */
function parseApart(manifest: string, signal: AbortSignal): Promise<KubeObject[]> {
  const worker = new Worker(WORKER, { workerData: manifest, resourceLimits: WORKER_LIMITS });
  return new Promise<KubeObject[]>((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      settle();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Refused(`the manifest took longer than ${DEADLINE_MS} ms to parse`))),
      DEADLINE_MS,
    );
    const onAbort = () => finish(() => reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (result: ParseResult) =>
      finish(() => ('refused' in result ? reject(new Refused(result.refused)) : resolve(result.objects))),
    );
    worker.once('error', (err) =>
      finish(() => reject(new Refused(`the manifest could not be parsed: ${err.message}`))),
    );
  });
}

/** The objects of a caller's manifest (see manifestObjects), parsed off the event loop. */
export async function parseManifest(manifest: string, signal: AbortSignal): Promise<KubeObject[]> {
  const release = await parserSlot(signal);
  try {
    return await parseApart(manifest, signal);
  } finally {
    release();
  }
}
