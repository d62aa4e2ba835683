import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { StreamSink } from '../session/types.js';
import { boundedWriter } from './slow-client.js';

/** Comment lines keep idle SSE connections alive through proxies and load balancers. */
export const KEEPALIVE_MS = 15_000;

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** What SSE takes for the end of a line: CR LF, LF, or a CR alone. */
const LINE_END = /\r\n|\r|\n/;

/**
 * One event in SSE framing (no id line when `eventId` is empty); multi-line data gets one `data:`
 * line per line, whatever ends them: a provider's result crosses as it sent it, and JSON may hold
 * CR or LF between its tokens, which would otherwise end the event and start one of its own.
 */
export function sseEvent(eventId: string, data: string): string {
  if (data === '') return `id: ${eventId}\ndata: \n\n`;
  const id = eventId === '' ? '' : `id: ${eventId}\n`;
  const lines = LINE_END.test(data)
    ? data
        .split(LINE_END)
        .map((l) => `data: ${l}`)
        .join('\n')
    : `data: ${data}`;
  return `${id}event: message\n${lines}\n\n`;
}

/** An SSE response as an event-log sink, which its owner may end (with a `retry:` hint). */
export type SseStream = StreamSink & { end(retryMs?: number): void; ended(): boolean };

/**
 * Starts an SSE response on a raw Node response and returns it as an event-log sink. The sink
 * ends the response after a final event, or when another connection takes the stream over. A
 * client that leaves too much unread loses the connection; the events stay in the session's log,
 * so a client that can resume (Last-Event-ID) gets them again.
 */
export function openSseStream(
  raw: ServerResponse,
  headers: Record<string, string>,
  retryMs: number | undefined,
  onEnd: () => void,
  logger: Logger,
): SseStream {
  raw.writeHead(200, { ...SSE_HEADERS, ...headers });
  if (retryMs !== undefined) raw.write(`retry: ${retryMs}\n\n`);
  else raw.flushHeaders();
  let open = true;
  const write = boundedWriter(raw, logger, { edge: 'streamable-http', sessionId: headers['mcp-session-id'] });
  const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const end = (retry?: number) => {
    if (!open) return;
    open = false;
    clearInterval(keepalive);
    if (retry !== undefined && !raw.writableEnded) raw.write(`retry: ${retry}\n\n`);
    raw.end();
    onEnd();
  };
  raw.on('close', () => end());
  return {
    write(eventId, data, final) {
      if (!open) return;
      if (write(sseEvent(eventId, data)) && final) end();
    },
    close: () => end(),
    end,
    ended: () => !open,
  };
}
