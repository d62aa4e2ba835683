import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import { guarded, limitsFor, type PgProvider } from '../context.js';
import type { CallScope } from '../database.js';
import { textTable } from '../format.js';

const IDENT = { type: 'string', minLength: 1, maxLength: 63 };

/** Runs one of the provider's own catalog queries (parameters only, never spliced identifiers). */
async function catalogQuery(p: PgProvider, call: CallScope, sql: string, params: unknown[]) {
  const limits = limitsFor(p, { maxRows: p.limits.maxRows });
  const result = await p.db.transaction('read-only', limits.timeoutMs, call, (client) =>
    p.db.rows(client, sql, params, limits),
  );
  return { content: [{ type: 'text' as const, text: textTable(result) }], structuredContent: { ...result } };
}

export const listSchemas = (p: PgProvider) =>
  defineTool({
    name: 'list_schemas',
    title: 'List schemas',
    description: 'Schemas of the database with their owners, excluding PostgreSQL internals.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    annotations: READ_ONLY,
    handler: (_args, ctx) =>
      guarded(() =>
        catalogQuery(
          p,
          ctx,
          `SELECT n.nspname AS schema, pg_get_userbyid(n.nspowner) AS owner
             FROM pg_catalog.pg_namespace n
            WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
            ORDER BY 1`,
          [],
        ),
      ),
  });

export const listObjects = (p: PgProvider) =>
  defineTool<{ schema?: string; kind?: string }>({
    name: 'list_objects',
    title: 'List objects',
    description:
      'Tables, views, materialized views, sequences, functions and extensions in a schema (default public).',
    inputSchema: {
      type: 'object',
      properties: {
        schema: { ...IDENT, default: 'public' },
        kind: { enum: ['table', 'view', 'materialized_view', 'sequence', 'function', 'extension'] },
      },
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    handler: ({ schema = 'public', kind }, ctx) =>
      guarded(() =>
        catalogQuery(
          p,
          ctx,
          `SELECT * FROM (
             SELECT c.relname AS name,
                    CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                                   WHEN 'm' THEN 'materialized_view' WHEN 'S' THEN 'sequence' END AS kind,
                    c.reltuples::bigint AS estimated_rows
               FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
             UNION ALL
             SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', 'function', NULL
               FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = $1
             UNION ALL
             SELECT e.extname || ' ' || e.extversion, 'extension', NULL
               FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
              WHERE n.nspname = $1
           ) o
           WHERE $2::text IS NULL OR o.kind = $2
           ORDER BY kind, name`,
          [schema, kind ?? null],
        ),
      ),
  });

export const describeObject = (p: PgProvider) =>
  defineTool<{ schema?: string; name: string }>({
    name: 'describe_object',
    title: 'Describe a table or view',
    description:
      'Columns (type, nullability, default), primary and foreign keys, indexes, constraints and the row estimate of a table or view.',
    inputSchema: {
      type: 'object',
      properties: { schema: { ...IDENT, default: 'public' }, name: IDENT },
      required: ['name'],
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    handler: ({ schema = 'public', name }, ctx) =>
      guarded(async () => {
        const limits = limitsFor(p, {});
        const described = await p.db.transaction('read-only', limits.timeoutMs, ctx, async (client) => {
          const target = await client.query<{ oid: number; kind: string; estimate: string }>(
            `SELECT c.oid, c.relkind AS kind, c.reltuples::bigint AS estimate
               FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
            [schema, name],
          );
          const found = target.rows[0];
          if (!found) return undefined;
          const columns = await p.db.rows(
            client,
            `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
                    pg_get_expr(d.adbin, d.adrelid) AS "default"
               FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
              ORDER BY a.attnum`,
            [found.oid],
            limits,
          );
          const constraints = await p.db.rows(
            client,
            `SELECT conname AS name,
                    CASE contype WHEN 'p' THEN 'primary key' WHEN 'f' THEN 'foreign key' WHEN 'u' THEN 'unique'
                                 WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' ELSE contype::text END AS kind,
                    pg_get_constraintdef(oid) AS definition
               FROM pg_catalog.pg_constraint WHERE conrelid = $1 ORDER BY contype, conname`,
            [found.oid],
            limits,
          );
          const indexes = await p.db.rows(
            client,
            `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition, x.indisunique AS unique
               FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
              WHERE x.indrelid = $1 ORDER BY 1`,
            [found.oid],
            limits,
          );
          return { found, columns, constraints, indexes };
        });
        if (!described)
          throw new Error(`no table or view ${JSON.stringify(name)} in schema ${JSON.stringify(schema)}`);
        const { found, columns, constraints, indexes } = described;
        const summary = {
          schema,
          name,
          kind:
            { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view', f: 'foreign table' }[
              found.kind
            ] ?? found.kind,
          estimatedRows: Number(found.estimate),
          columns: columns.rows,
          constraints: constraints.rows,
          indexes: indexes.rows,
        };
        const text = [
          `${summary.kind} ${schema}.${name} (~${summary.estimatedRows} rows)`,
          textTable(columns),
          constraints.rowCount > 0 ? `constraints:\n${textTable(constraints)}` : 'no constraints',
          indexes.rowCount > 0 ? `indexes:\n${textTable(indexes)}` : 'no indexes',
        ].join('\n\n');
        return { content: [{ type: 'text', text }], structuredContent: summary };
      }),
  });
