import { DESTRUCTIVE, defineTool } from '@mcp-fleet/sdk';
import { analyseStatement, analyseStatements } from '../analysis.js';
import { guarded, limitsFor, type PgProvider } from '../context.js';
import type { Analysed } from '../statement.js';

const STATEMENT = {
  type: 'object',
  properties: {
    sql: { type: 'string', minLength: 1, maxLength: 100_000 },
    params: { type: 'array', items: { type: ['string', 'number', 'boolean', 'null'] }, maxItems: 100 },
  },
  required: ['sql'],
  additionalProperties: false,
};

export const execute = (p: PgProvider) =>
  defineTool<{ sql: string; params?: unknown[] }>({
    name: 'execute',
    title: 'Change data',
    description: `Runs one INSERT/UPDATE/DELETE/MERGE${p.dmlOnly ? '' : ' or DDL'} statement in its own transaction and reports the rows affected.`,
    inputSchema: STATEMENT,
    annotations: DESTRUCTIVE,
    handler: ({ sql, params = [] }, ctx) =>
      guarded(async () => {
        const statement = await analyseStatement(sql, { mode: 'write', dmlOnly: p.dmlOnly }, ctx.signal);
        const limits = limitsFor(p, {});
        const result = await p.db.transaction('read-write', limits.timeoutMs, ctx, async (client) => {
          await p.db.admit(client, statement, 'write');
          return p.db.run(client, sql, params);
        });
        return {
          content: [{ type: 'text', text: `${result.command} ${result.rowCount}` }],
          structuredContent: result,
        };
      }),
  });

export const transaction = (p: PgProvider) =>
  defineTool<{ statements: { sql: string; params?: unknown[] }[] }>({
    name: 'transaction',
    title: 'Change data atomically',
    description:
      'Runs several statements in one transaction: all of them take effect, or none (the error names the failing index). At most 200,000 characters of SQL in all.',
    inputSchema: {
      type: 'object',
      properties: { statements: { type: 'array', items: STATEMENT, minItems: 1, maxItems: 100 } },
      required: ['statements'],
      additionalProperties: false,
    },
    annotations: DESTRUCTIVE,
    handler: ({ statements }, ctx) =>
      guarded(async () => {
        const { analysed, failure } = await analyseStatements(
          statements.map((s) => s.sql),
          { mode: 'write', dmlOnly: p.dmlOnly },
          ctx.signal,
        );
        if (failure) throw new Error(`statement ${failure.index}: ${failure.error.message}`);
        const limits = limitsFor(p, {});
        const results = await p.db.transaction('read-write', limits.timeoutMs, ctx, async (client) => {
          const done: { command: string; rowCount: number }[] = [];
          for (const [i, s] of statements.entries()) {
            try {
              await p.db.admit(client, analysed[i] as Analysed, 'write');
              done.push(await p.db.run(client, s.sql, s.params ?? []));
            } catch (err) {
              const e = err as { message: string; code?: string };
              throw Object.assign(new Error(`statement ${i} failed, nothing was applied: ${e.message}`), {
                code: e.code,
              });
            }
          }
          return done;
        });
        return {
          content: [
            { type: 'text', text: results.map((r, i) => `${i}: ${r.command} ${r.rowCount}`).join('\n') },
          ],
          structuredContent: { committed: true, results },
        };
      }),
  });
