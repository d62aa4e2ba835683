import { resultOf, runCall, type TestProvider, toolCall } from '@mcp-fleet/sdk/testing';
import pg from 'pg';
import { Database, type PgProvider } from '../src/context.js';
import type { Watchdog } from '../src/database.js';

export { adminUrl, createTestDatabase, type TestDatabase } from '../src/testing.js';

export function provider(
  url: string,
  options: Partial<Omit<PgProvider, 'db'>> & {
    poolSize?: number;
    poolWait?: number;
    allowFunctions?: string[];
    watchdog?: Watchdog;
  } = {},
): PgProvider {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: options.poolWait ?? 2_000,
  });
  const limits = options.limits ?? { timeoutMs: 5_000, maxRows: 100, maxBytes: 65_536 };
  return {
    db: new Database(pool, undefined, {
      allowFunctions: options.allowFunctions,
      maxBytes: limits.maxBytes,
      watchdog: options.watchdog,
    }),
    readWrite: options.readWrite ?? false,
    dmlOnly: options.dmlOnly ?? true,
    limits,
  };
}

/** What a tool answered, as these tests read it. */
export type Result = {
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/** Calls one tool of a provider over real gRPC. */
export async function callTool(
  server: TestProvider,
  tool: string,
  args: Record<string, unknown>,
): Promise<Result> {
  return resultOf(await runCall(server.client, toolCall(tool, args))) as Result;
}
