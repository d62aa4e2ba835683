import { setMaxListeners } from 'node:events';

const MAX_IN_FLIGHT = 10_000;

/**
 * The SDK's HTTP transports hand every request one signal that lives as long as the transport,
 * and fetch leaves a listener on the signal it is given until the request object is collected: a
 * busy client passed Node's listener limit (a warning per request past 1,500). Each request here
 * gets a signal of its own, linked to the transport's only while the request is open: until its
 * body has been read, failed or been cancelled. (AbortSignal.any would link them too, but keeps a
 * record per request on the transport's signal until the transport is gone.)
 */
export function ownSignalPerRequest(fetchFn: typeof fetch): typeof fetch {
  return async (input, init) => {
    const shared = init?.signal;
    if (!shared) return fetchFn(input, init);
    const own = new AbortController();
    const abort = () => own.abort(shared.reason);
    const unlink = () => shared.removeEventListener('abort', abort);
    // Its listeners are now the requests in flight: warn only past any plausible concurrency.
    setMaxListeners(MAX_IN_FLIGHT, shared);
    if (shared.aborted) abort();
    else shared.addEventListener('abort', abort, { once: true });
    let response: Response;
    try {
      response = await fetchFn(input, { ...init, signal: own.signal });
    } catch (err) {
      unlink();
      throw err;
    }
    if (!response.body) {
      unlink();
      return response;
    }
    // Linked until the body is read to its end (an event stream's may be the session's length).
    const linked = new Response(untilEnd(response.body, unlink), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    // What a constructed Response cannot be given: an event source reconnects to a redirect's url.
    Object.defineProperties(linked, {
      url: { value: response.url },
      redirected: { value: response.redirected },
    });
    return linked;
  };
}

/** `body` as it is, calling `ended` once it ends, fails or is cancelled. */
function untilEnd(body: ReadableStream<Uint8Array>, ended: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          ended();
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        ended();
        controller.error(err);
      }
    },
    async cancel(reason) {
      ended();
      await reader.cancel(reason);
    },
  });
}
