import type pg from 'pg';
import type { Logger } from 'pino';
import type { PgProvider } from './context.js';

export { Database, type PgProvider } from './context.js';
export { startEmbedded } from './embedded.js';
export { loadParser } from './sql-guard.js';

import { describeObject, listObjects, listSchemas } from './tools/catalog.js';
import { dbHealth, recommendIndexes, topQueries } from './tools/health.js';
import { explainPlan, query } from './tools/query.js';
import { execute, transaction } from './tools/write.js';

/** Every tool of a provider; write tools only when it is read-write. */
export function postgresTools(p: PgProvider) {
  const read = [
    listSchemas,
    listObjects,
    describeObject,
    query,
    explainPlan,
    topQueries,
    dbHealth,
    recommendIndexes,
  ];
  const write = p.readWrite ? [execute, transaction] : [];
  return [...read, ...write].map((make) => make(p));
}

/** Says loudly when the provider's role could do more than it should. */
export async function warnAboutRole(pool: pg.Pool, logger: Pick<Logger, 'warn'>): Promise<void> {
  const { rows } = await pool.query<{ superuser: boolean; files: boolean; role: string }>(
    `SELECT rolsuper AS superuser, current_user AS role,
            pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') OR rolsuper AS files
       FROM pg_catalog.pg_roles WHERE rolname = current_user`,
  );
  const me = rows[0];
  if (me?.superuser)
    logger.warn(
      { role: me.role },
      'DANGER: the provider connects as a superuser; use a least-privilege role',
    );
  else if (me?.files)
    logger.warn({ role: me.role }, 'DANGER: the provider role can read server files (pg_read_server_files)');
}

/** `schema.name` or `schema.*` entries of MCPFLEET_PG_ALLOW_FUNCTIONS; refuses to start on anything else. */
export function parseAllowFunctions(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const bad = entries.find((e) => !/^[a-z_][a-z0-9_$]*\.([a-z_][a-z0-9_$]*|\*)$/i.test(e));
  if (bad !== undefined)
    throw new Error(`MCPFLEET_PG_ALLOW_FUNCTIONS: "${bad}" is not schema.name or schema.*`);
  return entries;
}
