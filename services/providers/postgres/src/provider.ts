import type { PgProvider } from './context.js';
import { describeObject, listObjects, listSchemas } from './tools/catalog.js';
import { dbHealth, recommendIndexes, topQueries } from './tools/health.js';
import { explainPlan, query } from './tools/query.js';
import { execute, transaction } from './tools/write.js';

export { Database, type PgProvider } from './context.js';
export { startEmbedded } from './embedded.js';
export { loadParser } from './sql-guard.js';

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
