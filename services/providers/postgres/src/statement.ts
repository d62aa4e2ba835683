import { checkReadOnly, checkWrite, parseOne, SqlSyntaxError, StatementRefused } from './sql-guard.js';
import { type References, references } from './sql-references.js';

/**
 * What the provider keeps of a caller's statement once it passed the static checks: plain data,
 * never the parse tree, so it can be worked out on another thread and posted back cheaply.
 */
export interface Analysed {
  /** The statement's node type, e.g. `SelectStmt`. */
  kind: string;
  /** The caller's text up to the end of the statement. */
  text: string;
  /** The names the function gate resolves against the server's catalog. */
  refs: References;
  /** An EXPLAIN ANALYZE, which runs its statement. */
  explainAnalyze: boolean;
}

/**
 * The static checks a call's statements must pass: read-only, or writes (DML only, or the DDL
 * allow-list too); `explained` statements are to be explained, so an EXPLAIN of their own is refused.
 */
export type Rules = ({ mode: 'read' } | { mode: 'write'; dmlOnly: boolean }) & { explained?: boolean };

/** The statements analysed, in order, up to the first one refused. */
export interface Analysis {
  analysed: Analysed[];
  failure?: { index: number; error: Error };
}

function analyseOne(sql: string, rules: Rules): Analysed {
  const statement = parseOne(sql);
  if (rules.explained && statement.kind === 'ExplainStmt')
    throw new StatementRefused('pass the statement itself, without EXPLAIN');
  let explainAnalyze = false;
  if (rules.mode === 'read') explainAnalyze = checkReadOnly(statement).explainAnalyze;
  else checkWrite(statement, rules.dmlOnly);
  return {
    kind: statement.kind,
    text: statement.text,
    refs: references({ [statement.kind]: statement.node }),
    explainAnalyze,
  };
}

/** Parses and checks on the calling thread: CPU in proportion to the length of the SQL. */
export function analyseNow(sqls: readonly string[], rules: Rules): Analysis {
  const analysed: Analysed[] = [];
  for (const [index, sql] of sqls.entries()) {
    try {
      analysed.push(analyseOne(sql, rules));
    } catch (err) {
      return { analysed, failure: { index, error: err instanceof Error ? err : new Error(String(err)) } };
    }
  }
  return { analysed };
}

/** An error as it crosses from the analysis worker: plain data. */
export interface WireError {
  name: string;
  message: string;
  reason?: string;
  position?: number;
}

export function toWire(err: Error): WireError {
  return err instanceof SqlSyntaxError
    ? { name: err.name, message: err.message, reason: err.reason, position: err.position }
    : { name: err.name, message: err.message };
}

/** The provider's own error classes back, so callers get the same messages wherever the work ran. */
export function fromWire(wire: WireError): Error {
  if (wire.name === 'SqlSyntaxError') return new SqlSyntaxError(wire.reason ?? wire.message, wire.position);
  if (wire.name === 'StatementRefused') return new StatementRefused(wire.message);
  return new Error(`the statement could not be analysed: ${wire.message}`);
}
