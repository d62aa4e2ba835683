import { loadModule, parseSync } from 'libpg-query';

/** Why a statement was refused before it reached the database. */
export class StatementRefused extends Error {
  override name = 'StatementRefused';
}

/** The Postgres parser's own complaint, with the 1-based character position it points at. */
export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number | undefined,
  ) {
    super(position ? `${message} (at character ${position})` : message);
    this.name = 'SqlSyntaxError';
  }
}

type Node = Record<string, unknown>;

/**
 * Functions no caller of this provider may run, whatever the mode: server files, large objects,
 * other connections, other sessions, server configuration, and SQL smuggled in a string.
 */
const DENIED_FUNCTIONS = new Set([
  'pg_read_file',
  'pg_read_binary_file',
  'pg_ls_dir',
  'pg_ls_logdir',
  'pg_ls_waldir',
  'pg_ls_tmpdir',
  'pg_ls_archive_statusdir',
  'pg_ls_logicalsnapdir',
  'pg_ls_logicalmapdir',
  'pg_ls_replslotdir',
  'pg_stat_file',
  'lo_import',
  'lo_export',
  'lo_unlink',
  'lo_create',
  'lo_creat',
  'lo_from_bytea',
  'lo_put',
  'lo_open',
  'lowrite',
  'dblink',
  'dblink_exec',
  'dblink_connect',
  'dblink_connect_u',
  'dblink_send_query',
  'dblink_open',
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_promote',
  'pg_switch_wal',
  'pg_create_restore_point',
  'pg_backup_start',
  'pg_backup_stop',
  'set_config',
  'query_to_xml',
  'query_to_xmlschema',
  'query_to_xml_and_xmlschema',
  'cursor_to_xml',
  'cursor_to_xmlschema',
  'pg_file_write',
  'pg_file_rename',
  'pg_file_unlink',
  'pg_logdir_ls',
  'pg_advisory_lock',
  'pg_advisory_xact_lock',
]);

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
}

/** Parses exactly one statement with the real Postgres parser; `$$a;b$$` stays one statement. */
export function parseOne(sql: string): ParsedStatement {
  let tree: { stmts?: { stmt: Node }[] };
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
  const stmt = (statements[0] as { stmt: Node }).stmt;
  const kind = Object.keys(stmt)[0] as string;
  return { kind, node: stmt[kind] as Node };
}

function funcName(call: Node): string {
  const parts = (call.funcname as { String?: { sval?: string } }[] | undefined) ?? [];
  return (parts.at(-1)?.String?.sval ?? '').toLowerCase();
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

/** Refusals that hold in every mode: denied functions and never-run statements anywhere. */
function checkEverywhere(statement: ParsedStatement): void {
  if (NEVER.has(statement.kind)) throw new StatementRefused(`${statement.kind} is not allowed`);
  walk({ [statement.kind]: statement.node }, (type, node) => {
    if (type === 'FuncCall') {
      const name = funcName(node);
      if (DENIED_FUNCTIONS.has(name)) throw new StatementRefused(`function ${name}() is not allowed`);
    }
    if (NEVER.has(type)) throw new StatementRefused(`${type} is not allowed`);
  });
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
    inner = { kind, node: query[kind] as Node };
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

/** Read-write mode: DML, and DDL too unless `dmlOnly`; never the statements refused everywhere. */
export function checkWrite(statement: ParsedStatement, dmlOnly: boolean): void {
  checkEverywhere(statement);
  if (dmlOnly && !DML.has(statement.kind)) {
    throw new StatementRefused(`${statement.kind} is DDL or utility: this provider runs DML only (dml_only)`);
  }
}
