/**
 * Calls `listener` as an event target calls its listeners: an error it throws is thrown again on
 * the next tick, so the listeners after it still run and the error is not lost.
 */
export function callListener(listener: () => void): void {
  try {
    listener();
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}
