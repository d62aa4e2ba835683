#!/usr/bin/env node
import { metricsRegistry, runProvider } from '@mcp-fleet/sdk';
import pg from 'pg';
import { Gauge } from 'prom-client';
import { parseAllowFunctions } from './allowed-functions.js';
import { Database, type PgProvider } from './context.js';
import { startEmbedded } from './embedded.js';
import { postgresTools } from './provider.js';
import { warnAboutRole } from './role-check.js';
import { loadParser } from './sql-guard.js';

await runProvider({
  name: 'postgres',
  version: '0.1.0',
  defaultPort: 50052,
  config: {
    databaseUrl: {
      kind: 'string',
      env: 'DATABASE_URL',
      flag: 'database-url',
      doc: 'PostgreSQL URL; an embedded PGlite when unset',
    },
    embeddedDir: {
      kind: 'string',
      env: 'MCPFLEET_PG_EMBEDDED_DIR',
      flag: 'embedded-dir',
      doc: 'data directory of the embedded PGlite, kept across restarts (a temporary one when unset)',
    },
    mode: {
      kind: 'enum',
      env: 'MCPFLEET_PG_MODE',
      flag: 'mode',
      values: ['read-only', 'read-write'],
      default: 'read-only',
      doc: 'read-write registers execute and transaction',
    },
    dmlOnly: {
      kind: 'bool',
      env: 'MCPFLEET_PG_DML_ONLY',
      flag: 'dml-only',
      default: true,
      doc: 'read-write: refuse DDL',
    },
    role: {
      kind: 'string',
      env: 'MCPFLEET_PG_ROLE',
      flag: 'role',
      doc: 'SET ROLE to this least-privilege role in every transaction',
    },
    allowFunctions: {
      kind: 'string',
      env: 'MCPFLEET_PG_ALLOW_FUNCTIONS',
      flag: 'allow-functions',
      doc: 'more functions caller SQL may use, beyond the built-in allow-list: schema.name or schema.*, comma-separated',
    },
    poolSize: {
      kind: 'int',
      env: 'MCPFLEET_PG_POOL_SIZE',
      flag: 'pool-size',
      default: 10,
      min: 1,
      max: 200,
      doc: 'connections',
    },
    poolWait: {
      kind: 'duration',
      env: 'MCPFLEET_PG_POOL_WAIT',
      flag: 'pool-wait',
      default: 2_000,
      doc: 'how long a call waits for a free connection',
    },
    statementTimeout: {
      kind: 'duration',
      env: 'MCPFLEET_PG_STATEMENT_TIMEOUT',
      flag: 'statement-timeout',
      default: 15_000,
      doc: 'maximum per call',
    },
    maxRows: {
      kind: 'int',
      env: 'MCPFLEET_PG_MAX_ROWS',
      flag: 'max-rows',
      default: 1_000,
      min: 1,
      doc: 'rows returned at most',
    },
    maxBytes: {
      kind: 'int',
      env: 'MCPFLEET_PG_MAX_BYTES',
      flag: 'max-bytes',
      default: 1_048_576,
      min: 1024,
      doc: 'result size at most',
    },
  },
  async setup(config, logger) {
    const allowFunctions = parseAllowFunctions(config.allowFunctions);
    await loadParser();
    const embedded = config.databaseUrl
      ? undefined
      : await startEmbedded({ dataDir: config.embeddedDir, logger });
    const pool = new pg.Pool({
      connectionString: config.databaseUrl ?? embedded?.url,
      max: embedded ? 4 : config.poolSize,
      connectionTimeoutMillis: config.poolWait,
      application_name: 'mcp-fleet-postgres',
    });
    new Gauge({
      name: 'mcpfleet_pg_pool_connections',
      help: 'Connections of the provider pool by state',
      labelNames: ['state'] as const,
      registers: [metricsRegistry],
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    const provider: PgProvider = {
      db: new Database(pool, config.role, {
        allowFunctions,
        maxBytes: config.maxBytes,
        watchdog: embedded?.watchdog,
      }),
      readWrite: config.mode === 'read-write',
      dmlOnly: config.dmlOnly,
      limits: { timeoutMs: config.statementTimeout, maxRows: config.maxRows, maxBytes: config.maxBytes },
    };
    // After the Database exists: it guards every connection the pool opens, this one's included.
    await warnAboutRole(pool, logger);
    return {
      instructions: `PostgreSQL (${provider.readWrite ? 'read-write' : 'read-only'}${embedded ? ', embedded demo database' : ''}). Use $1..$n params for values.`,
      definitions: postgresTools(provider),
    };
  },
});
