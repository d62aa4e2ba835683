import type pg from 'pg';
import { readRows } from './rows.js';
import { StatementRefused } from './sql-guard.js';

/** More plan lines than any real plan has; the byte cap is what ends a large one. */
const PLAN_LINES = 100_000;

/**
 * `EXPLAIN (<options>FORMAT <format>) <sql>` read through a cursor under the result cap, so a
 * plan that quotes a huge constant (`WHERE name = repeat('x', 1e8)`, folded at plan time) is
 * refused instead of buffered and returned whole. Returns the QUERY PLAN column of each row.
 */
export async function planRows(
  client: pg.ClientBase,
  format: 'JSON' | 'TEXT',
  options: string,
  sql: string,
  params: unknown[],
  maxBytes: number,
): Promise<unknown[]> {
  const { rows, truncated } = await readRows(
    client,
    `EXPLAIN (${options}FORMAT ${format}) ${sql}`,
    params,
    { timeoutMs: 0, maxRows: PLAN_LINES, maxBytes },
    false,
  );
  if (truncated) throw new StatementRefused(`the plan is over the ${maxBytes}-byte cap of this provider`);
  return rows.map((row) => row['QUERY PLAN']);
}
