import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/**
 * Bytes queued for a client that does not read before the gateway gives up on it: one such client
 * must not grow the gateway's memory without limit. The same on every streaming edge.
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Writes to a long-lived streaming response (SSE) until the client has left more than
 * MAX_BUFFERED_BYTES unread; then it destroys the response (ending it would wait for the queue to
 * drain, which a client that never reads never lets happen), logs once, and refuses every later
 * write by returning false. The response's `close` event tells the edge the stream is gone.
 */
export function boundedWriter(
  raw: ServerResponse,
  logger: Logger,
  context: Record<string, unknown>,
): (text: string) => boolean {
  let overflowed = false;
  return (text) => {
    if (overflowed || raw.writableEnded || raw.destroyed) return false;
    if (raw.writableLength > MAX_BUFFERED_BYTES) {
      overflowed = true;
      logger.warn(
        { ...context, buffered: raw.writableLength, limit: MAX_BUFFERED_BYTES },
        'client too slow: closing its stream',
      );
      raw.destroy();
      return false;
    }
    raw.write(text);
    return true;
  };
}
