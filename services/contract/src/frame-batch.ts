/**
 * Frames of a CallBatches stream waiting for the end of the event loop's turn, then sent as one
 * message. A gRPC message costs each side ~15-20 µs of CPU (grpc-js's write and read paths,
 * framing, a stream event) against ~1 µs for one more frame in it, and calls that arrive in the
 * same turn (requests read from many sockets at once, results of one batch's calls) share it.
 * The wait is one turn: a lone frame leaves in the same turn it was queued, after the I/O.
 */

/**
 * Past this many bytes a batch is sent at once: the frames of a turn never add up to a message
 * the receiver refuses (its limit is 16 MiB), and a large result never waits behind small ones.
 */
export const MAX_BATCH_BYTES = 1024 * 1024;
/**
 * Past this many frames a batch is sent at once, and a receiver refuses a message with more: one
 * message is handled in one go, so its length bounds how long it holds up the receiver's loop.
 */
export const MAX_BATCH_FRAMES = 1024;

/** Roughly what a frame weighs on the wire: its strings (as UTF-8) and bytes, a few bytes per field. */
export function approximateBytes(value: unknown, depth = 0): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value !== 'object' || value === null || depth > 4) return 8;
  let bytes = 8;
  for (const inner of Object.values(value)) bytes += approximateBytes(inner, depth + 1);
  return bytes;
}

/**
 * Why an encoded batch (frames in field 1) is refused before it is decoded, if it is: decoding
 * first would let a 2-byte empty frame cost a JavaScript object, so a 16 MiB message of them
 * would hold a process's loop for seconds and its heap for hundreds of MiB. Counts the frames
 * only, stopping past the limit; a malformed message is left to the decoder to refuse.
 */
export function batchRefusal(bytes: Uint8Array): string | undefined {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; at < bytes.length && shift < 64; shift += 7) {
      const byte = bytes[at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return Number.NaN;
  };
  let frames = 0;
  while (at < bytes.length) {
    const tag = varint();
    const wire = tag % 8;
    if (wire === 2) {
      const length = varint();
      at += length;
    } else if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else return undefined;
    if (Math.floor(tag / 8) === 1 && ++frames > MAX_BATCH_FRAMES)
      return `a CallBatches message with more than ${MAX_BATCH_FRAMES} frames`;
  }
  return frames === 0 ? 'a CallBatches message without frames' : undefined;
}

const REFUSAL = Symbol('refusal');

/** What a provider's stream receives in place of a refused message: no frames, and why. */
export const refusedBatch = (reason: string) => ({ frames: [], [REFUSAL]: reason });

/** Why a received batch was refused before it was decoded, if it was. */
export const refusalOf = (batch: object): string | undefined => (batch as { [REFUSAL]?: string })[REFUSAL];

export class FrameBatcher<F> {
  private frames: F[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(private readonly send: (frames: F[]) => void) {}

  /** True while frames wait for the end of the turn. */
  get filling(): boolean {
    return this.frames.length > 0;
  }

  push(frame: F): void {
    const bytes = approximateBytes(frame);
    if (
      this.frames.length >= MAX_BATCH_FRAMES ||
      (this.frames.length > 0 && this.bytes + bytes > MAX_BATCH_BYTES)
    )
      this.flush();
    this.frames.push(frame);
    this.bytes += bytes;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.endOfTurn);
    }
  }

  /** Sends what waits now: before the stream ends, so no frame is left behind. */
  flush(): void {
    if (this.frames.length === 0) return;
    const frames = this.frames;
    this.frames = [];
    this.bytes = 0;
    this.send(frames);
  }

  private readonly endOfTurn = () => {
    this.scheduled = false;
    this.flush();
  };
}
