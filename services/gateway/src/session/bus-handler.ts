import type { Logger } from 'pino';
import type { JsonObject } from '../protocol/messages.js';

/** What a bus subscriber may be: it may also work asynchronously. */
export type BusHandler = (payload: JsonObject) => void | Promise<void>;

/**
 * A subscriber as the bus runs it: whatever it throws or rejects with is logged, never left to
 * escape. Subscribers run from a microtask or from the Redis client's event, where nothing else
 * would catch, and a payload that breaks one of them must not take the replica down.
 */
export function guarded(channel: string, handler: BusHandler, logger: Logger): (payload: JsonObject) => void {
  const failed = (err: unknown) => logger.error({ err, channel }, 'a bus subscriber failed');
  return (payload) => {
    try {
      const pending = handler(payload);
      if (pending) pending.catch(failed);
    } catch (err) {
      failed(err);
    }
  };
}
