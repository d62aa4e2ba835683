import { ErrorCode, type ErrorCodeValue, Errors } from '@mcp-fleet/contract';
import { ProtocolError, SdkHttpError } from '@modelcontextprotocol/client';

/** The fields of a JSON-RPC error that decide what a client does next. */
export interface RpcFailure {
  code: number;
  data?: unknown;
}

/** A JSON-RPC error response's error, from the body text of a refused HTTP exchange. */
function bodyError(text: unknown): RpcFailure | undefined {
  if (typeof text !== 'string' || !text.startsWith('{')) return undefined;
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; data?: unknown } }).error;
    return typeof error?.code === 'number' ? { code: error.code, data: error.data } : undefined;
  } catch {
    return undefined;
  }
}

/** The catalogue entry an HTTP status names when a refusal came without a JSON-RPC body. */
const BY_STATUS: Record<number, ErrorCodeValue> = {
  [Errors.Unauthenticated.http]: ErrorCode.Unauthenticated,
  [Errors.Forbidden.http]: ErrorCode.Forbidden,
};

/**
 * The JSON-RPC error a failure carries, however it reached the client: in-band (a protocol error,
 * which 2026 requests also get for the HTTP 400s of the validation ladder), or as the body or
 * status of an HTTP exchange the gateway refused (401, 403, 404 and the like).
 */
export function rpcFailureOf(err: unknown): RpcFailure | undefined {
  if (err instanceof ProtocolError) return { code: err.code, data: err.data };
  if (err instanceof SdkHttpError) {
    const code = BY_STATUS[err.status];
    return bodyError(err.data.text) ?? (code === undefined ? undefined : { code });
  }
  return undefined;
}
