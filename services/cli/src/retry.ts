import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { rpcFailureOf } from './error-code.js';

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

/** The gateway no longer knows the session (expired, or lost with a Redis restart): 2025 only. */
export const sessionGone = (err: unknown) =>
  rpcFailureOf(err)?.code === ErrorCode.SessionNotFound || /Session not found/.test((err as Error)?.message);

/** The SDK's answer for a request on a client whose transport had already closed: nothing was sent. */
const NOT_SENT = /^Not connected$/;

export function retryable(err: unknown): Retryable {
  if (err instanceof RefusedForNow) return { kind: 'refused', afterMs: err.retryAfterMs };
  // A session the gateway forgot, or a request never sent: nothing ran, start a new session.
  if (sessionGone(err) || NOT_SENT.test((err as Error)?.message ?? '')) return { kind: 'refused' };
  const failure = rpcFailureOf(err);
  if (failure) {
    // Refused by a limit or a spent quota before running: data.retryAfter says when (edges without HTTP).
    if (failure.code === ErrorCode.RateLimited || failure.code === ErrorCode.QuotaExceeded) {
      const seconds = (failure.data as { retryAfter?: number } | undefined)?.retryAfter;
      return { kind: 'refused', afterMs: seconds === undefined ? undefined : seconds * 1000 };
    }
    return failure.code === ErrorCode.Unavailable ? { kind: 'connection' } : undefined;
  }
  if (err instanceof SdkError && err.code === SdkErrorCode.ConnectionClosed) return { kind: 'connection' };
  const text = `${(err as Error)?.message ?? ''} ${String((err as { cause?: unknown })?.cause ?? '')}`;
  return CONNECTION.test(text) ? { kind: 'connection' } : undefined;
}

/** Exponential backoff with full jitter; a server's Retry-After wins when it gives one. */
export function backoff(policy: RetryPolicy, attempt: number, afterMs?: number): number {
  if (afterMs !== undefined) return afterMs;
  return Math.random() * Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
}

export const wait = (ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal });
