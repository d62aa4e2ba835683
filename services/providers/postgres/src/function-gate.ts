import type pg from 'pg';
import { READ_NAMES, WRITE_NAMES } from './allowed-functions.js';
import { StatementRefused } from './sql-guard.js';
import type { QualifiedName, References } from './sql-references.js';

/** Which allow-list a statement is checked against. */
export type GateMode = 'read' | 'write';

interface AllowList {
  read: Set<number>;
  write: Set<number>;
}

/**
 * Built-in (OID below FirstNormalObjectId) functions of pg_catalog on the allow-list: the named
 * families, and the functions behind built-in operators, casts and type input/output (pure
 * conversions and comparisons, built-in range support), plus the operator's own extra entries (`schema.name`, `schema.*`).
 */
const LOAD = `
WITH builtin AS (
  SELECT oprcode AS oid FROM pg_catalog.pg_operator WHERE oid < 16384
  UNION SELECT castfunc FROM pg_catalog.pg_cast WHERE oid < 16384
  UNION SELECT typinput FROM pg_catalog.pg_type WHERE oid < 16384
  UNION SELECT typoutput FROM pg_catalog.pg_type WHERE oid < 16384
  UNION SELECT rngcanonical FROM pg_catalog.pg_range WHERE rngtypid < 16384
  UNION SELECT rngsubdiff FROM pg_catalog.pg_range WHERE rngtypid < 16384)
SELECT p.oid::pg_catalog.int4 AS oid,
       p.proname = ANY($1::pg_catalog.text[]) OR p.oid IN (SELECT oid FROM builtin) OR e.extra AS read
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 CROSS JOIN LATERAL (SELECT n.nspname || '.' || p.proname = ANY($3::pg_catalog.text[])
                         OR n.nspname || '.*' = ANY($3::pg_catalog.text[]) AS extra) e
 WHERE (n.nspname = 'pg_catalog' AND p.oid < 16384
        AND (p.proname = ANY($2::pg_catalog.text[]) OR p.oid IN (SELECT oid FROM builtin)))
    OR e.extra`;

/**
 * Every function each referenced name could resolve to, as the server would see it now (this
 * role, this search path), over-approximated where that is cheaper: every name is looked up in
 * every schema of the search path and every schema the statement names. Calls and attribute
 * notation by name, operators through oprcode, cast targets and every type a value of them is
 * made of (base types of domains, array elements, composite fields, range subtypes: a cast to a
 * composite checks its domain-typed fields) through their casts, input function, range support
 * functions and domain constraints (read from the stored expression:
 * PostgreSQL records no dependency from a domain constraint to the functions it calls), and any
 * implicit or assignment cast a user created outside an extension (it applies without being
 * named). Kept to plain index scans: planning it is most of its cost.
 */
const RESOLVE = `
WITH RECURSIVE
  path AS MATERIALIZED (
    SELECT pg_catalog.array_agg(oid) AS oids FROM pg_catalog.pg_namespace
     WHERE nspname = ANY(pg_catalog.current_schemas(true)) OR nspname = ANY($4::pg_catalog.text[])),
  typ AS (
    SELECT t.oid, t.typbasetype, t.typelem, t.typrelid, t.typinput FROM pg_catalog.pg_type t, path
     WHERE t.typname = ANY($3::pg_catalog.text[]) AND t.typnamespace = ANY(path.oids)
    UNION
    SELECT x.oid, x.typbasetype, x.typelem, x.typrelid, x.typinput
      FROM typ CROSS JOIN LATERAL (
             SELECT typ.typbasetype AS oid
             UNION ALL SELECT typ.typelem
             UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = typ.typrelid AND a.attnum > 0 AND NOT a.attisdropped
             UNION ALL SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid = typ.oid
             UNION ALL SELECT r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngmultitypid = typ.oid) n
      JOIN pg_catalog.pg_type x ON x.oid = n.oid)
SELECT ARRAY(
  SELECT p.oid::pg_catalog.int4 FROM pg_catalog.pg_proc p, path
   WHERE p.proname = ANY($1::pg_catalog.text[]) AND p.pronamespace = ANY(path.oids)
  UNION SELECT o.oprcode::pg_catalog.oid::pg_catalog.int4 FROM pg_catalog.pg_operator o, path
   WHERE o.oprname = ANY($2::pg_catalog.text[]) AND o.oprnamespace = ANY(path.oids)
  UNION SELECT c.castfunc::pg_catalog.int4 FROM pg_catalog.pg_cast c WHERE c.casttarget IN (SELECT oid FROM typ)
  UNION SELECT typinput::pg_catalog.oid::pg_catalog.int4 FROM typ
  UNION SELECT f::pg_catalog.oid::pg_catalog.int4 FROM pg_catalog.pg_range r,
               LATERAL (VALUES (r.rngcanonical), (r.rngsubdiff)) AS s(f)
    WHERE r.rngtypid IN (SELECT oid FROM typ)
  UNION SELECT CASE m[1] WHEN 'opno'
                 THEN (SELECT oprcode::pg_catalog.oid::pg_catalog.int4 FROM pg_catalog.pg_operator
                        WHERE oid = m[2]::pg_catalog.oid)
                 ELSE m[2]::pg_catalog.int4 END
     FROM pg_catalog.pg_constraint k,
          pg_catalog.regexp_matches(k.conbin::pg_catalog.text, ':(funcid|opno) ([0-9]+)', 'g') AS m
    WHERE k.contypid IN (SELECT oid FROM typ)
  UNION SELECT c.castfunc::pg_catalog.int4 FROM pg_catalog.pg_cast c
    WHERE c.oid >= 16384 AND c.castcontext IN ('i', 'a')
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                       WHERE d.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass
                         AND d.objid = c.oid AND d.deptype = 'e')) AS oids`;

const names = (list: QualifiedName[]) => [...new Set(list.map((n) => n.name))];

/**
 * Every catalog relation, type and function in LOAD and RESOLVE is written with its schema: the
 * temporary schema comes first on the search path for relations and types, and a caller's
 * pg_temp.pg_proc must never answer for the catalog (pg_temp is never searched for operators).
 *
 * The allow-list gate: resolves the allow-list to OIDs on first use, then refuses any statement
 * whose references could reach a function outside it, naming that function.
 */
export class FunctionGate {
  private allowList?: Promise<AllowList>;

  /** `extra`: more functions to admit, as `schema.name` or `schema.*`. */
  constructor(private readonly extra: readonly string[] = []) {}

  private load(client: pg.ClientBase): Promise<AllowList> {
    this.allowList ??= client
      .query<{ oid: number; read: boolean }>(LOAD, [READ_NAMES, WRITE_NAMES, this.extra])
      .then(({ rows }) => ({
        read: new Set(rows.filter((r) => r.read).map((r) => r.oid)),
        write: new Set(rows.map((r) => r.oid)),
      }))
      .catch((err) => {
        this.allowList = undefined;
        throw new Error(`cannot load the function allow-list: ${(err as Error).message}`);
      });
    return this.allowList;
  }

  /** Throws StatementRefused when a reference could resolve to a function outside the allow-list. */
  async admit(client: pg.ClientBase, refs: References, mode: GateMode): Promise<void> {
    const allowed = (await this.load(client))[mode];
    // Named, so each connection plans it once and reuses the plan.
    const { rows } = await client.query<{ oids: number[] }>({
      name: 'mcpfleet_function_gate',
      text: RESOLVE,
      values: [
        [...names(refs.functions), ...refs.attributes],
        names(refs.operators),
        names(refs.types),
        [...refs.functions, ...refs.operators, ...refs.types].map((n) => n.schema).filter((n) => n !== ''),
      ],
    });
    const outside = (rows[0]?.oids ?? []).filter((oid) => oid !== 0 && !allowed.has(oid));
    if (outside.length === 0) return;
    const named = await client.query<{ fn: string }>(
      `SELECT oid::pg_catalog.regprocedure::pg_catalog.text AS fn
        FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS oid ORDER BY 1 LIMIT 1`,
      [outside],
    );
    throw new StatementRefused(`function ${named.rows[0]?.fn ?? outside[0]} is not on the allow-list`);
  }
}
