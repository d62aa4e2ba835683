import pg from 'pg';
import Cursor from 'pg-cursor';

/** Limits of one call, within the provider's configured maxima. */
export interface CallLimits {
  timeoutMs: number;
  maxRows: number;
  maxBytes: number;
}

/** The column the size guard adds: the row's size as the server measured it. */
const SIZE = '__mcpfleet_row_bytes';
const GUARD_PREFIX = `SELECT v.*, s.${SIZE} FROM (\n`;

/** An error position in the guarded text, moved back onto the caller's text (gone when outside it). */
function unguard(err: unknown, sql: string): unknown {
  const e = err as { position?: string };
  if (typeof e?.position !== 'string') return err;
  const position = Number(e.position) - GUARD_PREFIX.length;
  e.position = position >= 1 && position <= sql.length ? String(position) : undefined;
  return err;
}

/**
 * The statement as a subquery whose rows the server measures before sending: a row larger than
 * `maxBytes` arrives with every column NULL and only its size, so one huge value is never
 * buffered here. Types, names and order of the caller's columns are kept (`v.*` are the
 * subquery's own columns); the newline keeps a trailing `--` comment from eating the parenthesis.
 */
export function sizeGuarded(sql: string, maxBytes: number): string {
  return `${GUARD_PREFIX}${sql}\n) AS q
  CROSS JOIN LATERAL (SELECT octet_length(q::text) AS ${SIZE}) AS s
  LEFT JOIN LATERAL (SELECT q.*) AS v ON s.${SIZE} <= ${Math.floor(maxBytes)}`;
}

/** What one cursor fetch may bring at most: every guarded row can be up to the byte cap. */
const BATCH_BYTES = 4 * 1_048_576;
const MAX_BATCH = 500;

/** Rows per fetch: as many as fit BATCH_BYTES at the cap's worst case, at least one, at most `wanted`. */
export function fetchSize(maxBytes: number, wanted: number): number {
  return Math.max(1, Math.min(wanted, MAX_BATCH, Math.floor(BATCH_BYTES / maxBytes)));
}

type Field = { name: string; dataTypeID: number };

/** JSON-friendly values: binary as `\x...` hex, dates as ISO strings, the rest as pg gives them. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  return value;
}

export interface ReadRows {
  fields: Field[];
  rows: Record<string, unknown>[];
  truncated: boolean;
}

/**
 * Reads through a cursor: never more than maxRows + 1 rows, and never past maxBytes, the first
 * row included (a row that would cross the cap ends the result as truncated).
 */
export async function readRows(
  client: pg.ClientBase,
  sql: string,
  params: unknown[],
  limits: CallLimits,
  guarded: boolean,
): Promise<ReadRows> {
  const cursor = client.query(new Cursor(guarded ? sizeGuarded(sql, limits.maxBytes) : sql, params));
  const read = (count: number) =>
    new Promise<{ batch: Record<string, unknown>[]; fields: Field[] }>((resolve, reject) =>
      cursor.read(count, (err, batch, result) =>
        err ? reject(err) : resolve({ batch, fields: result?.fields ?? [] }),
      ),
    );
  const rows: Record<string, unknown>[] = [];
  let bytes = 0;
  let truncated = false;
  let fields: Field[] = [];
  let broken = false;
  try {
    while (!truncated && rows.length <= limits.maxRows) {
      const next = await read(fetchSize(limits.maxBytes, limits.maxRows + 1 - rows.length));
      if (next.fields.length > 0) fields = guarded ? next.fields.slice(0, -1) : next.fields;
      if (next.batch.length === 0) break;
      for (const row of next.batch) {
        if (rows.length >= limits.maxRows || (guarded && Number(row[SIZE]) > limits.maxBytes - bytes)) {
          truncated = true;
          break;
        }
        const clean = Object.fromEntries(fields.map((f) => [f.name, plain(row[f.name])]));
        bytes += Buffer.byteLength(JSON.stringify(clean));
        if (bytes > limits.maxBytes) {
          truncated = true;
          break;
        }
        rows.push(clean);
      }
    }
  } catch (err) {
    // Anything but the server's own error means the connection is gone: it would never answer
    // the close, and the transaction discards it.
    broken = !(err instanceof pg.DatabaseError);
    throw guarded ? unguard(err, sql) : err;
  } finally {
    if (!broken) await new Promise<void>((resolve) => cursor.close(() => resolve()));
  }
  return { fields, rows, truncated };
}
