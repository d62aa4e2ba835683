/**
 * The manifest worker: parses one caller manifest apart from the provider's event loop, which a
 * hostile document could hold for seconds; the provider terminates it at the deadline.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { manifestObjects } from './manifest.js';
import type { KubeObject } from './shown.js';

export type ParseResult = { objects: KubeObject[] } | { refused: string };

let result: ParseResult;
try {
  result = { objects: manifestObjects(workerData as string) };
} catch (err) {
  result = { refused: err instanceof Error ? err.message : String(err) };
}
parentPort?.postMessage(result);
