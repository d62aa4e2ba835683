/**
 * The data-only expression language of workflows: lookups (`rows.items[0].name`,
 * `inputs["file name"]`), literals, comparisons, `and`/`or`/`not`, parentheses and `length(x)`.
 * Parsed into a tree and evaluated against variables: never eval, never code built from strings.
 */

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

type Node =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; root: string; segments: (string | number)[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'length'; operand: Node };

type Token = { type: 'name' | 'number' | 'string' | 'op' | 'punct'; value: string };

const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(==|!=|<=|>=|<|>)|([.[\]()]))/y;
const MAX_LENGTH = 1024;

function tokenize(source: string): Token[] {
  if (source.length > MAX_LENGTH)
    throw new ExpressionError(`expression longer than ${MAX_LENGTH} characters`);
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) throw new ExpressionError(`unexpected ${JSON.stringify(source.slice(at, at + 10))} at ${at}`);
    if (m[1] !== undefined) tokens.push({ type: 'number', value: m[1] });
    else if (m[2] !== undefined) tokens.push({ type: 'name', value: m[2] });
    else if (m[3] !== undefined || m[4] !== undefined)
      tokens.push({ type: 'string', value: (m[3] ?? m[4] ?? '').replace(/\\(.)/g, '$1') });
    else if (m[5] !== undefined) tokens.push({ type: 'op', value: m[5] });
    else tokens.push({ type: 'punct', value: m[6] ?? '' });
  }
  return tokens;
}

/** Recursive descent: or > and > not > comparison > primary. */
export function parseExpression(source: string): Node {
  const tokens = tokenize(source);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const token = tokens[i++];
    if (!token) throw new ExpressionError(`unexpected end of ${JSON.stringify(source)}`);
    return token;
  };
  const expect = (value: string) => {
    const token = next();
    if (token.value !== value) throw new ExpressionError(`expected "${value}", found "${token.value}"`);
  };
  const keyword = (word: string) => peek()?.type === 'name' && peek()?.value === word;

  const or = (): Node => {
    let left = and();
    while (keyword('or')) {
      i++;
      left = { kind: 'binary', op: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): Node => {
    let left = not();
    while (keyword('and')) {
      i++;
      left = { kind: 'binary', op: 'and', left, right: not() };
    }
    return left;
  };
  const not = (): Node => {
    if (keyword('not')) {
      i++;
      return { kind: 'not', operand: not() };
    }
    return comparison();
  };
  const comparison = (): Node => {
    const left = primary();
    if (peek()?.type === 'op') return { kind: 'binary', op: next().value, left, right: primary() };
    return left;
  };
  const primary = (): Node => {
    const token = next();
    if (token.type === 'number') return { kind: 'literal', value: Number(token.value) };
    if (token.type === 'string') return { kind: 'literal', value: token.value };
    if (token.value === '(') {
      const inner = or();
      expect(')');
      return inner;
    }
    if (token.type !== 'name') throw new ExpressionError(`unexpected "${token.value}"`);
    if (token.value === 'true' || token.value === 'false')
      return { kind: 'literal', value: token.value === 'true' };
    if (token.value === 'null') return { kind: 'literal', value: null };
    if (token.value === 'length' && peek()?.value === '(') {
      i++;
      const operand = or();
      expect(')');
      return { kind: 'length', operand };
    }
    const segments: (string | number)[] = [];
    for (;;) {
      if (peek()?.value === '.') {
        i++;
        const field = next();
        if (field.type !== 'name' && field.type !== 'number')
          throw new ExpressionError(`expected a field name after "."`);
        segments.push(field.type === 'number' ? Number(field.value) : field.value);
      } else if (peek()?.value === '[') {
        i++;
        const key = next();
        if (key.type !== 'number' && key.type !== 'string')
          throw new ExpressionError('expected an index or a quoted key inside [ ]');
        segments.push(key.type === 'number' ? Number(key.value) : key.value);
        expect(']');
      } else break;
    }
    return { kind: 'path', root: token.value, segments };
  };

  const tree = or();
  if (i < tokens.length)
    throw new ExpressionError(`unexpected "${tokens[i]?.value}" in ${JSON.stringify(source)}`);
  return tree;
}

/** Variables are plain data (JSON values); a lookup never reaches prototypes or getters. */
function lookup(variables: Record<string, unknown>, node: Extract<Node, { kind: 'path' }>): unknown {
  if (!Object.hasOwn(variables, node.root)) throw new ExpressionError(`unknown variable "${node.root}"`);
  let value = variables[node.root];
  const walked = [node.root];
  for (const segment of node.segments) {
    walked.push(String(segment));
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment))
      throw new ExpressionError(`"${walked.join('.')}" does not exist`);
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

const compare = (op: string, a: unknown, b: unknown): boolean => {
  if (op === '==') return JSON.stringify(a) === JSON.stringify(b);
  if (op === '!=') return JSON.stringify(a) !== JSON.stringify(b);
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')))
    throw new ExpressionError(`"${op}" compares two numbers or two strings, not ${typeof a} and ${typeof b}`);
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
};

export function evaluate(node: Node, variables: Record<string, unknown>): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path':
      return lookup(variables, node);
    case 'not':
      return !truthy(evaluate(node.operand, variables));
    case 'length': {
      const value = evaluate(node.operand, variables);
      if (typeof value === 'string' || Array.isArray(value)) return value.length;
      if (value && typeof value === 'object') return Object.keys(value).length;
      throw new ExpressionError('length() takes a string, a list or an object');
    }
    case 'binary':
      if (node.op === 'and')
        return truthy(evaluate(node.left, variables)) && truthy(evaluate(node.right, variables));
      if (node.op === 'or')
        return truthy(evaluate(node.left, variables)) || truthy(evaluate(node.right, variables));
      return compare(node.op, evaluate(node.left, variables), evaluate(node.right, variables));
  }
}

/** Empty lists and objects are false, as are false, null, 0 and "". */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

const WHOLE = /^\$\{([^{}]*)\}$/;
const EMBEDDED = /\$\{([^{}]*)\}/g;

/**
 * Fills `${expr}` in a value: a string that is one whole `${expr}` becomes the expression's value
 * (any type); `${expr}` inside a longer string is replaced by its text; objects and lists are
 * walked. Everything else is returned as it is.
 */
export function render(value: unknown, variables: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return evaluate(parseExpression(whole[1] ?? ''), variables);
    return value.replace(EMBEDDED, (_, source: string) => {
      const result = evaluate(parseExpression(source), variables);
      return typeof result === 'string' ? result : JSON.stringify(result);
    });
  }
  if (Array.isArray(value)) return value.map((item) => render(item, variables));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, variables)]));
  return value;
}

/** Every `${expr}` of a template parses: called on load, so a typo is a configuration error. */
export function checkTemplate(value: unknown): void {
  if (typeof value === 'string') for (const m of value.matchAll(EMBEDDED)) parseExpression(m[1] ?? '');
  else if (Array.isArray(value)) value.forEach(checkTemplate);
  else if (value && typeof value === 'object') Object.values(value).forEach(checkTemplate);
}
