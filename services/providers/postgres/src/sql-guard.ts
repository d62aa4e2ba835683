import { loadModule, parseSync } from 'libpg-query';

/** Why a statement was refused before it reached the database. */
export class StatementRefused extends Error {
  override name = 'StatementRefused';
}

/** The Postgres parser's own complaint, with the 1-based character position it points at. */
export class SqlSyntaxError extends Error {
  constructor(
    /** The parser's message, without the position. */
    readonly reason: string,
    readonly position: number | undefined,
  ) {
    super(position ? `${reason} (at character ${position})` : reason);
    this.name = 'SqlSyntaxError';
  }
}

type Node = Record<string, unknown>;

/** Statements that change data, anywhere in a tree (data-modifying CTEs included). */
const WRITE_NODES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Statements never run by this provider, in any mode. */
const NEVER = new Set([
  'CopyStmt',
  'DoStmt',
  'TransactionStmt',
  'VariableSetStmt',
  'AlterSystemStmt',
  'CreateRoleStmt',
  'AlterRoleStmt',
  'AlterRoleSetStmt',
  'DropRoleStmt',
  'GrantRoleStmt',
  'LoadStmt',
  'CreateExtensionStmt',
  'AlterExtensionStmt',
  'CreatedbStmt',
  'DropdbStmt',
  'AlterDatabaseStmt',
  'AlterDatabaseSetStmt',
  'CheckPointStmt',
  'ListenStmt',
  'NotifyStmt',
  'UnlistenStmt',
  'LockStmt',
  'CallStmt',
  'CreateFunctionStmt',
  'CreateTrigStmt',
  'CreateEventTrigStmt',
  'RuleStmt',
  'DiscardStmt',
  'PrepareStmt',
  'ExecuteStmt',
  'DeallocateStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'VacuumStmt',
  'ClusterStmt',
  'ReindexStmt',
  'CreateSubscriptionStmt',
  'CreatePublicationStmt',
  'SecLabelStmt',
  'CreateTableSpaceStmt',
  'ImportForeignSchemaStmt',
  'CreateForeignServerStmt',
  'CreateUserMappingStmt',
]);

/** Data manipulation a read-write provider may run without DDL rights. */
const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'SelectStmt']);

/**
 * DDL a read-write provider without `dml_only` may run: tables, views, indexes, sequences, schemas,
 * plain types and domains, policies, comments and grants on its own objects. Every expression in
 * them goes through the function allow-list. Not here, so refused: anything that binds a function
 * to a name, an operator, a cast or a type (CREATE OPERATOR/AGGREGATE/CAST/TYPE ... (INPUT = ...),
 * operator classes, conversions, transforms, range types with subtype functions, languages,
 * foreign data wrappers, ALTER FUNCTION/OPERATOR/TYPE).
 */
const DDL = new Set([
  'CreateStmt',
  'CreateTableAsStmt',
  'AlterTableStmt',
  'IndexStmt',
  'ViewStmt',
  'CreateSeqStmt',
  'AlterSeqStmt',
  'DropStmt',
  'TruncateStmt',
  'RenameStmt',
  'AlterObjectSchemaStmt',
  'CommentStmt',
  'CreateSchemaStmt',
  'CreateEnumStmt',
  'AlterEnumStmt',
  'CompositeTypeStmt',
  'CreateDomainStmt',
  'AlterDomainStmt',
  'CreateStatsStmt',
  'CreatePolicyStmt',
  'AlterPolicyStmt',
  'RefreshMatViewStmt',
  'GrantStmt',
]);

let loaded: Promise<void> | undefined;

/** Loads the parser (WebAssembly) once. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

export interface ParsedStatement {
  /** The statement's node type, e.g. `SelectStmt`. */
  kind: string;
  node: Node;
  /** The caller's text up to the end of the statement (no trailing semicolon). */
  text: string;
}

/** Parses exactly one statement with the real Postgres parser; `$$a;b$$` stays one statement. */
export function parseOne(sql: string): ParsedStatement {
  let tree: { stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (err) {
    const details = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    throw new SqlSyntaxError(
      (err as Error).message,
      details?.cursorPosition === undefined ? undefined : details.cursorPosition + 1,
    );
  }
  const statements = tree.stmts ?? [];
  if (statements.length !== 1) {
    throw new StatementRefused(`exactly one SQL statement is allowed, got ${statements.length}`);
  }
  const { stmt, stmt_location: start = 0, stmt_len: length = 0 } = statements[0] as (typeof statements)[0];
  const kind = Object.keys(stmt)[0] as string;
  // Locations count bytes of the UTF-8 text; a length of 0 means "to the end". What comes before
  // the statement (blanks, comments) stays, so positions in errors still match the caller's text.
  const bytes = Buffer.from(sql);
  const text = bytes.subarray(0, length === 0 ? bytes.length : start + length).toString();
  return { kind, node: stmt[kind] as Node, text };
}

/** Visits every node of a parse tree with its type name. */
function walk(value: unknown, visit: (type: string, node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value as Node)) {
    if (/^[A-Z]/.test(key) && typeof child === 'object' && child !== null && !Array.isArray(child))
      visit(key, child as Node);
    walk(child, visit);
  }
}

/**
 * Refusals that hold in every mode: never-run statements anywhere. Functions are not checked
 * here: the allow-list gate (function-gate.ts) does it with the server's own name resolution.
 */
function checkEverywhere(statement: ParsedStatement): void {
  if (NEVER.has(statement.kind)) throw new StatementRefused(`${statement.kind} is not allowed`);
  walk({ [statement.kind]: statement.node }, (type) => {
    if (NEVER.has(type)) throw new StatementRefused(`${type} is not allowed`);
  });
  refuseTemporary(statement.node);
}

const TEMP_SCHEMA = /^pg_temp/i;

/**
 * Temporary objects outlive the statement on the pooled connection and sit first on the search
 * path, where one named pg_proc or text would shadow the catalog for every later call: no
 * statement may create one (TEMP, or a name in pg_temp) or name the temporary schema at all.
 */
function refuseTemporary(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) refuseTemporary(item);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const node = value as Node;
  if (node.relpersistence === 't')
    throw new StatementRefused('temporary tables, views and sequences are not allowed');
  const named = [node.schemaname, (node.String as Node | undefined)?.sval];
  if (named.some((n) => typeof n === 'string' && TEMP_SCHEMA.test(n)))
    throw new StatementRefused('the temporary schema pg_temp is not allowed');
  for (const child of Object.values(node)) refuseTemporary(child);
}

/**
 * Defence in depth for read-only mode (the database enforces READ ONLY as well): SELECT, VALUES,
 * TABLE, SHOW and EXPLAIN without ANALYZE only; no writes anywhere in the tree, no SELECT INTO,
 * no row locks, no denied functions.
 */
export function checkReadOnly(statement: ParsedStatement): { explainAnalyze: boolean } {
  checkEverywhere(statement);
  let inner = statement;
  let explainAnalyze = false;
  if (statement.kind === 'ExplainStmt') {
    const options =
      (statement.node.options as { DefElem?: { defname?: string; arg?: unknown } }[] | undefined) ?? [];
    explainAnalyze = options.some(
      (o) => o.DefElem?.defname === 'analyze' && JSON.stringify(o.DefElem.arg ?? '') !== '{"Boolean":{}}',
    );
    const query = statement.node.query as Node;
    const kind = Object.keys(query)[0] as string;
    inner = { kind, node: query[kind] as Node, text: statement.text };
  }
  if (!['SelectStmt', 'VariableShowStmt'].includes(inner.kind)) {
    throw new StatementRefused(`${inner.kind} is not allowed in read-only mode`);
  }
  walk({ [inner.kind]: inner.node }, (type, node) => {
    if (WRITE_NODES.has(type))
      throw new StatementRefused(`${type} is not allowed in read-only mode (data-modifying CTE)`);
    if (type === 'SelectStmt') {
      if (node.intoClause) throw new StatementRefused('SELECT INTO is not allowed in read-only mode');
      if (Array.isArray(node.lockingClause) && node.lockingClause.length > 0) {
        throw new StatementRefused('FOR UPDATE/SHARE row locks are not allowed in read-only mode');
      }
    }
  });
  return { explainAnalyze };
}

/** Read-write mode: DML, and the DDL above too unless `dmlOnly`; never the statements refused everywhere. */
export function checkWrite(statement: ParsedStatement, dmlOnly: boolean): void {
  checkEverywhere(statement);
  // SELECT ... INTO creates a table: it is CREATE TABLE AS, not DML.
  const kind =
    statement.kind === 'SelectStmt' && statement.node.intoClause ? 'CreateTableAsStmt' : statement.kind;
  if (DML.has(kind)) return;
  if (dmlOnly) {
    throw new StatementRefused(
      `${kind === statement.kind ? kind : 'SELECT INTO (CreateTableAsStmt)'} is DDL or utility: this provider runs DML only (dml_only)`,
    );
  }
  if (!DDL.has(kind)) {
    throw new StatementRefused(`${kind} is not on the DDL allow-list of this provider`);
  }
}
