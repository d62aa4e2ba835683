import type { Rows } from './database.js';

/** Rows shown in the text rendering; the structured content carries all of them. */
const TEXT_ROWS = 50;
const CELL = 60;

function cell(value: unknown): string {
  const text =
    value === null || value === undefined
      ? 'NULL'
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > CELL ? `${flat.slice(0, CELL - 1)}…` : flat;
}

/** A psql-like table for clients that read text. */
export function textTable(result: Rows): string {
  const names = result.columns.map((c) => c.name);
  const shown = result.rows.slice(0, TEXT_ROWS).map((row) => names.map((n) => cell(row[n])));
  const widths = names.map((n, i) => Math.max(n.length, ...shown.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ');
  const out = [line(names), widths.map((w) => '-'.repeat(w)).join('-+-'), ...shown.map(line)];
  const more = result.rows.length - shown.length;
  out.push(
    `(${result.rowCount} row${result.rowCount === 1 ? '' : 's'}${result.truncated ? ', truncated' : ''}${more > 0 ? `; ${more} more in structured content` : ''})`,
  );
  return out.join('\n');
}
