import { waitFor } from '@mcp-fleet/sdk/testing';
import { modernRequest, routingHeaders } from './modern.js';
import { MCP_HEADERS, sseEvents } from './support.js';

export const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/** An open `subscriptions/listen` stream as a raw 2026 client holds it. */
export interface ListenStream {
  status: number;
  contentType: string | null;
  /** Every JSON-RPC message received so far, in order. */
  messages: Record<string, unknown>[];
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  /** Waits until a message with `method` arrived; returns it. */
  next(method: string): Promise<Record<string, unknown>>;
  /** The client leaves: it closes the stream (MCP 2026-07-28 cancellation). */
  close(): void;
}

/** POSTs `subscriptions/listen` with `notifications` and reads its SSE answer in the background. */
export async function openListen(
  url: string,
  id: number | string,
  notifications: Record<string, unknown>,
  meta: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<ListenStream> {
  const body = modernRequest(id, 'subscriptions/listen', { notifications }, meta);
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...routingHeaders(body), ...headers },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const messages: Record<string, unknown>[] = [];
  const ended = (async () => {
    if (!response.body) return;
    try {
      for await (const event of sseEvents(response.body)) {
        if (event.data.startsWith('{')) messages.push(JSON.parse(event.data));
      }
    } catch {
      // the client closed it
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    messages,
    ended,
    async next(method) {
      await waitFor(() => messages.some((m) => m.method === method), method);
      return messages.find((m) => m.method === method) as Record<string, unknown>;
    },
    close: () => controller.abort(),
  };
}

/** The `_meta` tag of a listen stream's message. */
export const tagOf = (message: Record<string, unknown> | undefined): unknown =>
  ((message?.params ?? message?.result) as { _meta?: Record<string, unknown> } | undefined)?._meta?.[
    SUBSCRIPTION_ID
  ];
