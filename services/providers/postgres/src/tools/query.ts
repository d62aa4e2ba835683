import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';
import { analyseStatement } from '../analysis.js';
import { guarded, limitsFor, type PgProvider } from '../context.js';
import { textTable } from '../format.js';
import { planRows } from '../plans.js';
import { StatementRefused } from '../sql-guard.js';

const PARAMS = {
  type: 'array',
  description: 'Values for $1, $2, ... (sent separately from the SQL, never spliced into it)',
  items: { type: ['string', 'number', 'boolean', 'null'] },
  maxItems: 100,
};

export const query = (p: PgProvider) =>
  defineTool<{ sql: string; params?: unknown[]; maxRows?: number; timeoutMs?: number }>({
    name: 'query',
    title: 'Run a read-only query',
    description:
      'Runs one SELECT/VALUES/TABLE/SHOW statement in a READ ONLY transaction that is always rolled back. ' +
      'Results are capped in rows and bytes (`truncated` says when); the timeout cannot exceed the configured maximum.',
    inputSchema: {
      type: 'object',
      properties: {
        sql: { type: 'string', minLength: 1, maxLength: 100_000 },
        params: PARAMS,
        maxRows: { type: 'integer', minimum: 1 },
        timeoutMs: { type: 'integer', minimum: 1 },
      },
      required: ['sql'],
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    handler: ({ sql, params = [], maxRows, timeoutMs }, ctx) =>
      guarded(async () => {
        const statement = await analyseStatement(sql, { mode: 'read' }, ctx.signal);
        if (statement.explainAnalyze)
          throw new StatementRefused('EXPLAIN ANALYZE runs the statement: use the explain tool');
        const limits = limitsFor(p, { maxRows, timeoutMs });
        const result = await p.db.transaction('read-only', limits.timeoutMs, ctx, async (client) => {
          await p.db.admit(client, statement, 'read');
          // SHOW and EXPLAIN answer in short lines; only a SELECT can carry a huge value.
          return p.db.rows(client, statement.text, params, limits, statement.kind === 'SelectStmt');
        });
        return { content: [{ type: 'text', text: textTable(result) }], structuredContent: { ...result } };
      }),
  });

export const explainPlan = (p: PgProvider) =>
  defineTool<{ sql: string; params?: unknown[]; analyze?: boolean }>({
    name: 'explain',
    title: 'Explain a query plan',
    description:
      'The plan of one statement as JSON and text. `analyze` executes it (inside a transaction that is rolled back) and is only available when the provider is read-write.',
    inputSchema: {
      type: 'object',
      properties: {
        sql: { type: 'string', minLength: 1, maxLength: 100_000 },
        params: PARAMS,
        analyze: { type: 'boolean' },
      },
      required: ['sql'],
      additionalProperties: false,
    },
    annotations: READ_ONLY,
    handler: ({ sql, params = [], analyze = false }, ctx) =>
      guarded(async () => {
        if (analyze && !p.readWrite)
          throw new StatementRefused('EXPLAIN ANALYZE needs a read-write provider');
        const statement = await analyseStatement(
          sql,
          analyze
            ? { mode: 'write', dmlOnly: p.dmlOnly, explained: true }
            : { mode: 'read', explained: true },
          ctx.signal,
        );
        const limits = limitsFor(p, {});
        const mode = analyze ? 'read-write' : 'read-only';
        const options = analyze ? 'ANALYZE, BUFFERS, ' : '';
        const plan = await p.db.transaction(mode, limits.timeoutMs, ctx, async (client) => {
          await p.db.admit(client, statement, analyze ? 'write' : 'read');
          const json = await planRows(client, 'JSON', options, sql, params, limits.maxBytes);
          const text = await planRows(client, 'TEXT', options, sql, params, limits.maxBytes);
          // An analyzed statement really ran: never keep its effects.
          if (analyze) await client.query('ROLLBACK; BEGIN');
          return { json: json[0], text: text.join('\n') };
        });
        return {
          content: [{ type: 'text', text: plan.text }],
          structuredContent: { plan: plan.json, analyzed: analyze },
        };
      }),
  });
