/**
 * Every name in a raw parse tree that PostgreSQL could resolve to a function while analysing the
 * statement. The parser alone cannot tell WHICH function (overloads, search_path, operand types),
 * so the gate resolves each name to every function it could mean and admits the statement only
 * when all of them are on the allow-list.
 */
export interface QualifiedName {
  /** '' when unqualified: the search path decides. */
  schema: string;
  name: string;
}

export interface References {
  /** Function calls, aggregates, window functions, TABLESAMPLE methods (and function-style casts). */
  functions: QualifiedName[];
  /** `x.name` and `(expr).name`: a column, a field, or a function applied to `x` (attribute notation). */
  attributes: string[];
  /**
   * Operators written or implied (IN, CASE, BETWEEN, LIKE, DISTINCT FROM, NULLIF, CYCLE, JOIN
   * USING/NATURAL). GROUP BY, DISTINCT, set operations, window partitions and ON CONFLICT use the
   * type's default operator class instead, which only a superuser can create.
   */
  operators: QualifiedName[];
  /** Types the statement converts to: their casts, input functions and domain checks run. */
  types: QualifiedName[];
}

type Node = Record<string, unknown>;

function strings(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((item) => (item as { String?: { sval?: string } }).String?.sval ?? '');
}

function qualified(list: unknown): QualifiedName {
  const parts = strings(list);
  return { schema: parts.length > 1 ? (parts.at(-2) ?? '') : '', name: parts.at(-1) ?? '' };
}

const COMPARISONS = ['<', '<=', '>', '>='].map((name) => ({ schema: '', name }));
const EQUALITY = { schema: '', name: '=' };

/** What one node contributes; `key` is its type name or the property that holds it. */
function collect(key: string, node: Node, into: References): void {
  switch (key) {
    case 'FuncCall':
    case 'funccall': {
      const fn = qualified(node.funcname);
      into.functions.push(fn);
      // `ticket(3)` is a cast to type ticket when no function of that name exists.
      into.types.push(fn);
      return;
    }
    case 'RangeTableSample':
      into.functions.push(qualified(node.method));
      return;
    case 'ColumnRef':
      into.attributes.push(...strings(node.fields).slice(1));
      return;
    case 'A_Indirection':
      into.attributes.push(...strings(node.indirection).filter((s) => s !== ''));
      return;
    case 'A_Expr':
      if (String(node.kind).includes('BETWEEN')) into.operators.push(...COMPARISONS);
      else into.operators.push(qualified(node.name));
      return;
    case 'SubLink':
      if (node.operName) into.operators.push(qualified(node.operName));
      else if (node.subLinkType === 'ANY_SUBLINK') into.operators.push(EQUALITY);
      return;
    case 'SortBy':
      if (node.useOp) into.operators.push(qualified(node.useOp));
      return;
    case 'CaseExpr':
      if (node.arg) into.operators.push(EQUALITY);
      return;
    // USING (...) and NATURAL compare the merged columns with `=`, resolved by name like a written one.
    case 'JoinExpr':
      if (node.isNatural || node.usingClause) into.operators.push(EQUALITY);
      return;
    case 'cycle_clause':
      into.operators.push(EQUALITY, { schema: '', name: '<>' });
      return;
    case 'typeName':
    case 'TypeName':
      into.types.push(qualified(node.names));
      return;
  }
}

/** Walks every object of the tree, wrapped (`{ FuncCall: {...} }`) or typed (`typeName: {...}`). */
export function references(tree: unknown): References {
  const found: References = { functions: [], attributes: [], operators: [], types: [] };
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value as Node)) {
      if (typeof child === 'object' && child !== null && !Array.isArray(child))
        collect(key, child as Node, found);
      visit(child);
    }
  };
  visit(tree);
  return {
    functions: unique(found.functions),
    attributes: [...new Set(found.attributes)],
    operators: unique(found.operators),
    types: unique(found.types.filter((t) => t.name !== '')),
  };
}

function unique(names: QualifiedName[]): QualifiedName[] {
  const seen = new Map(names.map((n) => [`${n.schema}.${n.name}`, n]));
  return [...seen.values()];
}
