import cluster from 'node:cluster';
import { Writable } from 'node:stream';
import { isMessage } from '../wiring/worker-messages.js';

const LINES = 'mcpfleet:audit-lines';

interface Lines {
  type: typeof LINES;
  text: string;
}

/**
 * In the primary of several gateway workers: writes their stdout audit lines itself, one batch
 * after another. Workers writing the shared stdout themselves would interleave batches larger
 * than a pipe writes at once, splicing lines into each other.
 */
export function writeWorkersAudit(): void {
  cluster.on('message', (_worker, message: unknown) => {
    if (isMessage<Lines>(message, LINES)) process.stdout.write(message.text);
  });
}

/** In a worker: where its stdout audit lines go, the primary, with the pipe's backpressure. */
export function auditToPrimary(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      process.send?.({ type: LINES, text: chunk.toString('utf8') } satisfies Lines, undefined, {}, (err) =>
        done(err ?? undefined),
      );
    },
  });
}
