import { type Context, childSpan, failSpan, SpanKind } from '@mcp-fleet/sdk/telemetry';
import pg from 'pg';
import { FunctionGate, type GateMode } from './function-gate.js';
import { type CallLimits, readRows } from './rows.js';
import type { Analysed } from './statement.js';
import { guardClient } from './wire-guard.js';

export type { CallLimits } from './rows.js';

export interface Column {
  name: string;
  /** Postgres type name (`int4`, `text`, ...). */
  type: string;
}

export interface Rows {
  columns: Column[];
  rows: Record<string, unknown>[];
  rowCount: number;
  truncated: boolean;
}

/** The database said no; its message, SQLSTATE and position go back to the caller. */
export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly position: number | undefined,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}

/** What a transaction needs of the call it serves: its cancellation and its trace. */
export interface CallScope {
  signal: AbortSignal;
  traceContext: Context;
}

/** Every connection is busy and none freed up in time. */
export class PoolBusy extends Error {
  override name = 'PoolBusy';
}

const LOCK_TIMEOUT_MS = 2_000;

/** Server messages quote the caller's values (`invalid input syntax ... "<value>"`): never all of them. */
const MAX_ERROR_CHARS = 1_000;

function bounded(message: string): string {
  return message.length <= MAX_ERROR_CHARS
    ? message
    : `${message.slice(0, MAX_ERROR_CHARS)}… (truncated, ${message.length} characters)`;
}

function fromPg(err: unknown): Error {
  const e = err as { message?: string; code?: string; position?: string };
  if (e?.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    return new DatabaseError(
      bounded(e.message ?? 'database error'),
      e.code,
      e.position ? Number(e.position) : undefined,
    );
  }
  return err as Error;
}

/**
 * The pool and the transaction discipline: every read runs in `BEGIN READ ONLY` with local
 * statement, lock and idle timeouts and always ends in ROLLBACK; every write in a transaction
 * that commits only when all of it succeeded. Statements go through the extended protocol, so
 * one string is one statement.
 */
export interface DatabaseOptions {
  /** Functions admitted beyond the built-in allow-list, as `schema.name` or `schema.*`. */
  allowFunctions?: readonly string[];
  /** The provider's result cap; the largest message accepted from the server is derived from it. */
  maxBytes?: number;
  /** Bounds every transaction from outside a server that cannot time out or cancel its own statements. */
  watchdog?: Watchdog;
}

/**
 * Ends a transaction at its deadline or soon after its cancellation when the server cannot (the
 * embedded PGlite): `guard` settles by then, whatever `work` does.
 */
export interface Watchdog {
  guard<T>(timeoutMs: number, signal: AbortSignal, work: () => Promise<T>): Promise<T>;
}

/**
 * The largest backend message read: a guarded row is at most the result cap plus a few bytes per
 * column; the floor leaves room for wide row descriptions and the provider's own catalog rows.
 */
export function wireLimit(maxBytes = 0): number {
  return Math.max(maxBytes, 1_048_576) + 65_536;
}

/**
 * Session-level state a statement could leave on a pooled connection, cleared after every
 * transaction in the same round trip as its end: advisory locks and temporary objects. (Not
 * DISCARD ALL: it cannot follow COMMIT in one round trip and would drop the gate's prepared
 * statement; settings cannot be changed by caller SQL.)
 */
const CLEAR_SESSION = 'SELECT pg_catalog.pg_advisory_unlock_all(); DISCARD TEMP';

export class Database {
  private readonly typeNames = new Map<number, string>();
  private readonly gate: FunctionGate;
  private readonly watchdog: Watchdog | undefined;

  constructor(
    readonly pool: pg.Pool,
    private readonly role: string | undefined,
    options: DatabaseOptions = {},
  ) {
    this.gate = new FunctionGate(options.allowFunctions);
    this.watchdog = options.watchdog;
    const limit = wireLimit(options.maxBytes);
    pool.on('connect', (client) => guardClient(client, limit));
    // A connection that breaks while idle is the pool's to replace, never a crash.
    pool.on('error', () => {});
  }

  /**
   * The allow-list gate for caller SQL: run inside the call's transaction (after SET LOCAL ROLE,
   * so names resolve as they will for the statement) and before the statement itself.
   */
  admit(client: pg.ClientBase, statement: Analysed, mode: GateMode): Promise<void> {
    return this.gate.admit(client, statement.refs, mode);
  }

  private async acquire(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      if (/timeout exceeded when trying to connect/i.test((err as Error).message)) {
        throw new PoolBusy(
          `database busy: all ${this.pool.options.max} connections are in use, retry shortly`,
        );
      }
      throw new Error(
        `cannot reach the database: ${(err as Error).message.replace(/postgres(ql)?:\/\/\S+/g, '[url]')}`,
      );
    }
  }

  /**
   * Runs `work` in a transaction; read-only ones always roll back. Aborting cancels the query.
   * One client span per transaction, a child of the provider's call span.
   */
  async transaction<T>(
    mode: 'read-only' | 'read-write',
    timeoutMs: number,
    call: CallScope,
    work: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const { span } = childSpan(`postgresql ${mode}`, call.traceContext, SpanKind.CLIENT, {
      'db.system.name': 'postgresql',
      'db.transaction.mode': mode,
    });
    const run = () => this.inTransaction(mode, timeoutMs, call.signal, work);
    try {
      return await (this.watchdog ? this.watchdog.guard(timeoutMs, call.signal, run) : run());
    } catch (err) {
      failSpan(
        span,
        err instanceof DatabaseError ? (err.code ?? 'database') : (err as Error).name,
        (err as Error).message,
      );
      throw err;
    } finally {
      span.end();
    }
  }

  private async inTransaction<T>(
    mode: 'read-only' | 'read-write',
    timeoutMs: number,
    signal: AbortSignal,
    work: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const client = await this.acquire();
    const cancel = () =>
      void this.pool
        .query('SELECT pg_catalog.pg_cancel_backend($1)', [
          (client as unknown as { processID: number }).processID,
        ])
        .catch(() => {});
    // Under a watchdog the server cannot cancel: the watchdog ends the call instead.
    if (!this.watchdog) signal.addEventListener('abort', cancel, { once: true });
    let healthy = true;
    try {
      // One round trip: SET LOCAL takes no parameters; the values are integers the provider computed.
      await client.query(
        [
          mode === 'read-only' ? 'BEGIN READ ONLY' : 'BEGIN',
          `SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`,
          `SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`,
          `SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1000, Math.floor(timeoutMs) + 1000)}`,
          ...(this.role ? [`SET LOCAL ROLE ${pg.escapeIdentifier(this.role)}`] : []),
        ].join('; '),
      );
      const result = await work(client);
      await client.query(`${mode === 'read-only' ? 'ROLLBACK' : 'COMMIT'}; ${CLEAR_SESSION}`);
      return result;
    } catch (err) {
      await client.query(`ROLLBACK; ${CLEAR_SESSION}`).catch(() => {
        healthy = false;
      });
      throw fromPg(err);
    } finally {
      signal.removeEventListener('abort', cancel);
      client.release(healthy ? undefined : true);
    }
  }

  /** Names the types not seen before in one round trip (queries on one client run one at a time). */
  private async learnTypeNames(client: pg.PoolClient, oids: number[]): Promise<void> {
    const unseen = [...new Set(oids)].filter((oid) => !this.typeNames.has(oid));
    if (unseen.length === 0) return;
    const { rows } = await client.query<{ oid: number; typname: string }>(
      'SELECT oid, typname FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])',
      [unseen],
    );
    // A type not found is not remembered: one created since this snapshot is named next time.
    for (const row of rows) this.typeNames.set(Number(row.oid), row.typname);
  }

  /**
   * One statement through a cursor: never more than maxRows + 1 rows or about maxBytes in memory.
   * `guarded` (a SELECT) has the server measure each row first, so no single row exceeds the cap.
   */
  async rows(
    client: pg.PoolClient,
    sql: string,
    params: unknown[],
    limits: CallLimits,
    guarded = true,
  ): Promise<Rows> {
    const { fields, rows, truncated } = await readRows(client, sql, params, limits, guarded);
    await this.learnTypeNames(
      client,
      fields.map((f) => f.dataTypeID),
    );
    const columns = fields.map((f) => ({
      name: f.name,
      type: this.typeNames.get(f.dataTypeID) ?? String(f.dataTypeID),
    }));
    return { columns, rows, rowCount: rows.length, truncated };
  }

  /** A statement whose rows do not matter (DML); returns the affected row count. */
  async run(
    client: pg.PoolClient,
    sql: string,
    params: unknown[],
  ): Promise<{ command: string; rowCount: number }> {
    const result = await client.query({ text: sql, values: params, queryMode: 'extended' } as pg.QueryConfig);
    return { command: result.command, rowCount: result.rowCount ?? 0 };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
