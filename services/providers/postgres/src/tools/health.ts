import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import type pg from 'pg';
import { analyseStatements } from '../analysis.js';
import { guarded, limitsFor, type PgProvider } from '../context.js';
import { textTable } from '../format.js';
import { planRows } from '../plans.js';

async function hasExtension(client: pg.PoolClient, name: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM pg_catalog.pg_extension WHERE extname = $1', [name]);
  return rows.length > 0;
}

export const topQueries = (p: PgProvider) =>
  defineTool<{ limit?: number; orderBy?: string }>({
    name: 'top_queries',
    title: 'Most expensive queries',
    description: 'The heaviest statements from pg_stat_statements (when the extension is installed).',
    inputSchema: {
      type: 'object',
      properties: {
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
        orderBy: { enum: ['total_time', 'mean_time', 'calls'], default: 'total_time' },
      },
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    handler: ({ limit = 10, orderBy = 'total_time' }, ctx) =>
      guarded(async () => {
        const limits = limitsFor(p, {});
        const result = await p.db.transaction('read-only', limits.timeoutMs, ctx, async (client) => {
          if (!(await hasExtension(client, 'pg_stat_statements'))) return undefined;
          const column =
            { total_time: 'total_exec_time', mean_time: 'mean_exec_time', calls: 'calls' }[orderBy] ??
            'total_exec_time';
          return p.db.rows(
            client,
            `SELECT left(query, 500) AS query, calls, round(total_exec_time::numeric, 2) AS total_ms,
                    round(mean_exec_time::numeric, 2) AS mean_ms, rows
               FROM pg_stat_statements ORDER BY ${column} DESC LIMIT $1`,
            [limit],
            limits,
          );
        });
        if (!result) {
          return 'pg_stat_statements is not installed in this database: add it to shared_preload_libraries and run CREATE EXTENSION pg_stat_statements.';
        }
        return { content: [{ type: 'text', text: textTable(result) }], structuredContent: { ...result } };
      }),
  });

export const dbHealth = (p: PgProvider) =>
  defineTool({
    name: 'db_health',
    title: 'Database health',
    description:
      'Connections by state, long-running and blocked queries, cache hit ratio, tables needing vacuum, and database size.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    annotations: READ_ONLY,
    handler: (_args, ctx) =>
      guarded(async () => {
        const limits = limitsFor(p, {});
        const report = await p.db.transaction('read-only', limits.timeoutMs, ctx, async (client) => {
          const one = async (sql: string) => (await client.query(sql)).rows;
          const [size] = await one(
            'SELECT pg_database_size(current_database()) AS bytes, current_database() AS name',
          );
          const connections = await one(
            `SELECT coalesce(state, 'background') AS state, count(*)::int AS count FROM pg_catalog.pg_stat_activity GROUP BY 1 ORDER BY 2 DESC`,
          );
          const [settings] = await one(`SELECT current_setting('max_connections')::int AS max_connections`);
          const longRunning = await one(
            `SELECT pid, now() - query_start AS running_for, left(query, 200) AS query FROM pg_catalog.pg_stat_activity
              WHERE state = 'active' AND pid <> pg_backend_pid() AND now() - query_start > interval '1 minute'
              ORDER BY query_start LIMIT 20`,
          );
          const blocked = await one(
            `SELECT pid, pg_blocking_pids(pid) AS blocked_by, left(query, 200) AS query FROM pg_catalog.pg_stat_activity
              WHERE cardinality(pg_blocking_pids(pid)) > 0 LIMIT 20`,
          );
          const [cache] = await one(
            `SELECT round(100 * sum(blks_hit)::numeric / nullif(sum(blks_hit) + sum(blks_read), 0), 2) AS hit_ratio_percent
               FROM pg_catalog.pg_stat_database WHERE datname = current_database()`,
          );
          const vacuum = await one(
            `SELECT schemaname || '.' || relname AS "table", n_dead_tup AS dead_rows, n_live_tup AS live_rows,
                    last_autovacuum, last_vacuum
               FROM pg_catalog.pg_stat_user_tables
              WHERE n_dead_tup > 1000 AND n_dead_tup > n_live_tup * 0.2
              ORDER BY n_dead_tup DESC LIMIT 20`,
          );
          return {
            database: size,
            maxConnections: settings?.max_connections,
            connections,
            longRunning,
            blocked,
            cache,
            vacuum,
          };
        });
        const hints: string[] = [];
        const hit = Number(report.cache?.hit_ratio_percent ?? 100);
        if (hit < 95)
          hints.push(`cache hit ratio ${hit} % is low: consider more shared_buffers or fewer full scans`);
        if (report.vacuum.length > 0)
          hints.push(`${report.vacuum.length} table(s) have many dead rows: VACUUM (ANALYZE) them`);
        if (report.blocked.length > 0) hints.push(`${report.blocked.length} quer(ies) are blocked by locks`);
        if (report.longRunning.length > 0)
          hints.push(`${report.longRunning.length} quer(ies) run for more than a minute`);
        const text = [
          `database ${report.database?.name}: ${report.database?.bytes} bytes`,
          `connections: ${report.connections.map((c) => `${c.state} ${c.count}`).join(', ')} (max ${report.maxConnections})`,
          `cache hit ratio: ${report.cache?.hit_ratio_percent ?? 'n/a'} %`,
          hints.length > 0 ? `hints:\n- ${hints.join('\n- ')}` : 'no problems found',
        ].join('\n');
        return { content: [{ type: 'text', text }], structuredContent: { ...report, hints } };
      }),
  });

interface PlanNode {
  'Node Type'?: string;
  'Relation Name'?: string;
  Schema?: string;
  Filter?: string;
  'Total Cost'?: number;
  Plans?: PlanNode[];
}

function seqScans(node: PlanNode | undefined, found: PlanNode[] = []): PlanNode[] {
  if (!node) return found;
  if (node['Node Type'] === 'Seq Scan' && node.Filter) found.push(node);
  for (const child of node.Plans ?? []) seqScans(child, found);
  return found;
}

/** Column names a scan filter compares, e.g. `(email = 'x'::text)` → email. */
function filterColumns(filter: string): string[] {
  const columns = new Set<string>();
  for (const match of filter.matchAll(/\(?"?([a-z_][a-z0-9_]*)"?\s*(?:=|<|>|<=|>=|~~|IS)\s/gi))
    columns.add(match[1] as string);
  return [...columns];
}

export const recommendIndexes = (p: PgProvider) =>
  defineTool<{ queries: string[] }>({
    name: 'recommend_indexes',
    title: 'Recommend indexes',
    description:
      'Explains the given queries and suggests indexes for filtered sequential scans; with the hypopg extension each suggestion is checked with a hypothetical index and its estimated cost. At most 200,000 characters of SQL in all.',
    inputSchema: {
      type: 'object',
      properties: {
        queries: {
          type: 'array',
          items: { type: 'string', minLength: 1, maxLength: 100_000 },
          minItems: 1,
          maxItems: 20,
        },
      },
      required: ['queries'],
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    handler: ({ queries }, ctx) =>
      guarded(async () => {
        const { analysed: statements, failure } = await analyseStatements(
          queries,
          { mode: 'read' },
          ctx.signal,
        );
        if (failure) throw failure.error;
        const limits = limitsFor(p, {});
        const advice = await p.db.transaction('read-only', limits.timeoutMs, ctx, async (client) => {
          for (const statement of statements) await p.db.admit(client, statement, 'read');
          const hypopg = await hasExtension(client, 'hypopg');
          const cost = async (sql: string) => {
            const [plan] = await planRows(client, 'JSON', '', sql, [], limits.maxBytes);
            return (plan as { Plan: PlanNode }[] | undefined)?.[0]?.Plan;
          };
          const suggestions: Record<string, unknown>[] = [];
          for (const sql of queries) {
            const plan = await cost(sql);
            for (const scan of seqScans(plan)) {
              const columns = filterColumns(scan.Filter ?? '');
              if (columns.length === 0 || !scan['Relation Name']) continue;
              const table = `${scan.Schema ? `${scan.Schema}.` : ''}${scan['Relation Name']}`;
              const ddl = `CREATE INDEX ON ${table} (${columns.join(', ')})`;
              const suggestion: Record<string, unknown> = {
                query: sql,
                index: ddl,
                costBefore: plan?.['Total Cost'],
              };
              if (hypopg) {
                await client.query('SELECT * FROM hypopg_create_index($1)', [ddl]);
                suggestion.costWithIndex = (await cost(sql))?.['Total Cost'];
                await client.query('SELECT hypopg_reset()');
              }
              suggestions.push(suggestion);
            }
          }
          return { hypopg, suggestions };
        });
        const text =
          advice.suggestions.length === 0
            ? 'no filtered sequential scans found: no index suggested'
            : advice.suggestions
                .map(
                  (s) =>
                    `${s.index}  -- cost ${s.costBefore}${s.costWithIndex === undefined ? '' : ` → ${s.costWithIndex}`}`,
                )
                .join('\n');
        return { content: [{ type: 'text', text }], structuredContent: advice };
      }),
  });
