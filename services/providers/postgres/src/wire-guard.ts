import type { Duplex } from 'node:stream';
import type pg from 'pg';

/** The server sent a message larger than the provider accepts; the connection was closed before reading it. */
export class MessageTooLarge extends Error {
  override name = 'MessageTooLarge';
}

/** The pg wire protocol parser failed on what the server sent; the connection was closed. */
export class ProtocolFailure extends Error {
  override name = 'ProtocolFailure';
}

/**
 * Follows the framing of backend messages (1 type byte, then a 4-byte length that counts itself)
 * across chunks, so a message's size is known from its header, before its body is buffered.
 */
class FrameSizes {
  private remaining = 0;
  private readonly header = Buffer.alloc(5);
  private filled = 0;

  constructor(private readonly limit: number) {}

  /** Throws MessageTooLarge as soon as a header announces a message above the limit. */
  check(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const skip = Math.min(this.remaining, chunk.length - at);
        this.remaining -= skip;
        at += skip;
        continue;
      }
      const take = Math.min(5 - this.filled, chunk.length - at);
      chunk.copy(this.header, this.filled, at, at + take);
      this.filled += take;
      at += take;
      if (this.filled < 5) return;
      this.filled = 0;
      const length = this.header.readUInt32BE(1);
      if (length - 4 > this.limit) {
        throw new MessageTooLarge(
          `the database sent a message of ${length - 4} bytes (type ${String.fromCharCode(this.header[0] ?? 0)}), over the ${this.limit}-byte limit: the connection was closed and the call abandoned`,
        );
      }
      this.remaining = length - 4;
    }
  }
}

type Listener = (chunk: Buffer) => void;

/**
 * Puts a connected pg client behind two guards: no backend message above `limit` bytes is ever
 * buffered (the socket is destroyed on its header), and an exception thrown by pg's parser in the
 * socket's data handler (ERR_STRING_TOO_LONG, malformed input) destroys the connection instead of
 * escaping as an uncaught exception. Either way pg fails the active query with the error and
 * emits it on the client, where a permanent listener keeps it from crashing the process.
 *
 * Installed when the pool has just connected the client: the parser is attached to the (possibly
 * TLS) stream by then, and the stream sits at a message boundary (after ReadyForQuery).
 */
export function guardClient(client: pg.Client, limit: number): void {
  client.on('error', () => {});
  const stream = (client as unknown as { connection: { stream: Duplex } }).connection.stream;
  const parsers = stream.listeners('data') as Listener[];
  for (const parser of parsers) stream.removeListener('data', parser);
  const frames = new FrameSizes(limit);
  stream.on('data', (chunk: Buffer) => {
    try {
      frames.check(chunk);
      for (const parser of parsers) parser.call(stream, chunk);
    } catch (err) {
      stream.destroy(
        err instanceof MessageTooLarge
          ? err
          : new ProtocolFailure(
              `the database's answer could not be read (${String((err as Error).message).slice(0, 200)}): the connection was closed`,
            ),
      );
    }
  });
}
