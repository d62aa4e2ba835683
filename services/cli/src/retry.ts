import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
// The official MCP client's own codes: its ConnectionClosed has the code of the catalogue's
// TransportRefused, which the gateway answers over HTTP, never as a JSON-RPC error to a request.
import { ErrorCode as McpClientCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/** The gateway refused the request before running it (HTTP 429 or 503), saying when to come back. */
export class RefusedForNow extends Error {
  override name = 'RefusedForNow';
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
    body: string,
  ) {
    super(
      `HTTP ${status}${retryAfterMs === undefined ? '' : ` (retry after ${retryAfterMs} ms)`}${body ? `: ${body.slice(0, 300)}` : ''}`,
    );
  }
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** First backoff; doubles each time, with full jitter. */
  baseMs: number;
  maxMs: number;
  /** A Retry-After longer than this is not waited for (a spent quota, say): the error is returned. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 200, maxMs: 5_000, maxRetryAfterMs: 30_000 };

/** Retry-After as milliseconds: seconds or an HTTP date. */
export const parseRetryAfter = (value: string | null | undefined): number | undefined => {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
};

/** fetch for the HTTP transports: a 429 or 503 becomes RefusedForNow, carrying Retry-After. */
export function refusalAwareFetch(inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.status !== 429 && response.status !== 503) return response;
    const body = await response.text().catch(() => '');
    throw new RefusedForNow(response.status, parseRetryAfter(response.headers.get('retry-after')), body);
  };
}

/** How an error may be retried: `refused` (the call never ran), `connection` (it may have), or not at all. */
export type Retryable = { kind: 'refused' | 'connection'; afterMs?: number } | undefined;

const CONNECTION =
  /fetch failed|ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|SSE stream disconnected|Connection closed|UNAVAILABLE/i;

export const SESSION_GONE = /Session not found/;

/** The SDK's answer for a request on a client whose transport had already closed: nothing was sent. */
const NOT_SENT = /^Not connected$/;

export function retryable(err: unknown): Retryable {
  if (err instanceof RefusedForNow) return { kind: 'refused', afterMs: err.retryAfterMs };
  if (err instanceof McpError) {
    // Refused by a limit or a spent quota before running: data.retryAfter says when (edges without HTTP).
    if (err.code === ErrorCode.RateLimited || err.code === ErrorCode.QuotaExceeded) {
      const seconds = (err.data as { retryAfter?: number } | undefined)?.retryAfter;
      return { kind: 'refused', afterMs: seconds === undefined ? undefined : seconds * 1000 };
    }
    if (err.code === ErrorCode.Unavailable) return { kind: 'connection' };
    if (err.code === McpClientCode.ConnectionClosed && CONNECTION.test(err.message))
      return { kind: 'connection' };
    return undefined;
  }
  const text = `${(err as Error)?.message ?? ''} ${String((err as { cause?: unknown })?.cause ?? '')}`;
  // A session the gateway forgot (expired, or lost with a Redis restart): nothing ran, start a new one.
  if (SESSION_GONE.test(text) || NOT_SENT.test((err as Error)?.message ?? '')) return { kind: 'refused' };
  return CONNECTION.test(text) ? { kind: 'connection' } : undefined;
}

/** Exponential backoff with full jitter; a server's Retry-After wins when it gives one. */
export function backoff(policy: RetryPolicy, attempt: number, afterMs?: number): number {
  if (afterMs !== undefined) return afterMs;
  return Math.random() * Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
}

export const wait = (ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal });
