import type { HandlerContext } from '@mcp-fleet/sdk';
import { type CallLimits, Database, DatabaseError, PoolBusy } from './database.js';
import { SqlSyntaxError, StatementRefused } from './sql-guard.js';

/** What every tool of this provider shares. */
export interface PgProvider {
  db: Database;
  readWrite: boolean;
  dmlOnly: boolean;
  /** The configured maxima; a call may ask for less. */
  limits: CallLimits;
}

/** A call's limits: what it asked for, never above the configured maxima. */
export function limitsFor(provider: PgProvider, asked: { timeoutMs?: number; maxRows?: number }): CallLimits {
  return {
    timeoutMs: Math.min(asked.timeoutMs ?? provider.limits.timeoutMs, provider.limits.timeoutMs),
    maxRows: Math.min(asked.maxRows ?? provider.limits.maxRows, provider.limits.maxRows),
    maxBytes: provider.limits.maxBytes,
  };
}

/** Errors a model can act on, as one readable sentence (they become isError results). */
export function explain(err: unknown): Error {
  if (err instanceof DatabaseError) {
    const where = err.position ? ` at character ${err.position}` : '';
    return new Error(`PostgreSQL error ${err.code}${where}: ${err.message}`);
  }
  if (err instanceof StatementRefused) return new Error(`refused: ${err.message}`);
  if (err instanceof SqlSyntaxError || err instanceof PoolBusy) return err;
  return err instanceof Error ? err : new Error(String(err));
}

/** Runs `work`, turning every failure into a message for the caller. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw explain(err);
  }
}

export type { HandlerContext };
export { Database };
