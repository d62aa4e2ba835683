import { ConfigError, parseDuration } from '@mcp-fleet/runtime';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseConfigText, readConfigFile } from '../config-files.js';
import { checkTemplate, type ExpressionError, parseExpression } from './expressions.js';

interface StepBase {
  /** The step's id, or its path in the file (`steps[2].then[0]`): what errors and records name. */
  id: string;
  continueOnFailure: boolean;
}
export type Step = StepBase &
  (
    | { kind: 'call'; tool: string; arguments: unknown; output?: string; timeoutMs?: number; retries: number }
    | { kind: 'if'; condition: string; whenTrue: Step[]; whenFalse: Step[] }
    | { kind: 'for_each'; items: string; as: string; concurrency: number; steps: Step[]; output?: string }
    | { kind: 'parallel'; branches: Step[][]; output?: string }
    | { kind: 'set'; values: Record<string, unknown> }
  );

export interface WorkflowLimits {
  /** Steps executed in one run, loops and branches included. */
  maxSteps: number;
  /** Items one for_each may go through. */
  maxIterations: number;
  timeoutMs: number;
}

export interface Workflow {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  steps: Step[];
  limits: WorkflowLimits;
}

const DEFAULT_LIMITS: WorkflowLimits = { maxSteps: 1000, maxIterations: 100, timeoutMs: 300_000 };
const NAME = /^[a-z][a-z0-9_]{0,47}$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RESERVED = new Set(['inputs', 'true', 'false', 'null', 'and', 'or', 'not', 'length']);
const KINDS = ['call', 'if', 'for_each', 'parallel', 'set'] as const;
const KEYS: Record<(typeof KINDS)[number], string[]> = {
  call: ['call', 'arguments', 'output', 'timeout', 'retries'],
  if: ['if', 'then', 'else'],
  for_each: ['for_each', 'as', 'concurrency', 'steps', 'output'],
  parallel: ['parallel', 'output'],
  set: ['set'],
};
const COMMON = ['id', 'continue_on_failure'];

const ajv = new Ajv2020({ allErrors: true, strict: false });

/** Parses and checks a workflows file; every problem names the workflow and the step's place. */
export function parseWorkflows(text: string, source: string): Workflow[] {
  const raw = parseConfigText(text, source);
  const problems: string[] = [];
  const workflows: Workflow[] = [];
  const list = (raw as { workflows?: unknown } | null)?.workflows;
  if (!Array.isArray(list)) throw new ConfigError([`${source}: "workflows" must be a list`]);
  const seen = new Set<string>();
  for (const [index, entry] of list.entries()) {
    const where = `${source}: workflows[${index}]`;
    const problem = (path: string, message: string) => problems.push(`${where}${path}: ${message}`);
    if (!entry || typeof entry !== 'object') {
      problem('', 'must be an object');
      continue;
    }
    const w = entry as Record<string, unknown>;
    for (const key of Object.keys(w))
      if (!['name', 'description', 'inputSchema', 'limits', 'steps'].includes(key))
        problem(`.${key}`, 'unknown field');
    if (typeof w.name !== 'string' || !NAME.test(w.name)) {
      problem('.name', `must match ${NAME.source}`);
      continue;
    }
    if (seen.has(w.name)) problem('.name', `workflow "${w.name}" is defined twice`);
    seen.add(w.name);
    const inputSchema = (w.inputSchema ?? { type: 'object' }) as Record<string, unknown>;
    if (typeof inputSchema !== 'object' || inputSchema.type !== 'object')
      problem('.inputSchema', 'must be a JSON Schema with type "object"');
    else if (!ajv.validateSchema(inputSchema)) problem('.inputSchema', ajv.errorsText(ajv.errors));
    const limits = { ...DEFAULT_LIMITS };
    const rawLimits = (w.limits ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(rawLimits)) {
      if (key === 'timeout') {
        const ms = typeof value === 'string' ? parseDuration(value) : undefined;
        if (ms === undefined) problem('.limits.timeout', 'must be a duration such as 30s or 5m');
        else limits.timeoutMs = ms;
      } else if (key === 'maxSteps' || key === 'maxIterations') {
        if (!Number.isInteger(value) || (value as number) < 1)
          problem(`.limits.${key}`, 'must be a positive integer');
        else limits[key] = value as number;
      } else problem(`.limits.${key}`, 'unknown limit');
    }
    const steps = parseSteps(w.steps, '.steps', (path, message) => problem(path, message));
    workflows.push({
      name: w.name,
      description: typeof w.description === 'string' ? w.description : `Workflow ${w.name}`,
      inputSchema,
      steps,
      limits,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return workflows;
}

type Problem = (path: string, message: string) => void;

function parseSteps(raw: unknown, path: string, problem: Problem): Step[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    problem(path, 'must be a non-empty list of steps');
    return [];
  }
  return raw.flatMap((entry, index) => {
    const step = parseStep(entry, `${path}[${index}]`, problem);
    return step ? [step] : [];
  });
}

function expression(value: unknown, path: string, problem: Problem): string {
  if (typeof value !== 'string') {
    problem(path, 'must be an expression (a string)');
    return 'null';
  }
  try {
    parseExpression(value);
  } catch (err) {
    problem(path, (err as ExpressionError).message);
  }
  return value;
}

function template(value: unknown, path: string, problem: Problem): unknown {
  try {
    checkTemplate(value);
  } catch (err) {
    problem(path, (err as ExpressionError).message);
  }
  return value;
}

function variable(value: unknown, path: string, problem: Problem): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !VARIABLE.test(value) || RESERVED.has(value))
    problem(path, `must be a variable name (${VARIABLE.source}, not ${[...RESERVED].join('/')})`);
  return value as string;
}

function parseStep(raw: unknown, path: string, problem: Problem): Step | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    problem(path, 'must be an object');
    return undefined;
  }
  const s = raw as Record<string, unknown>;
  const kinds = KINDS.filter((k) => k in s);
  if (kinds.length !== 1) {
    problem(path, `must have exactly one of ${KINDS.join(', ')}`);
    return undefined;
  }
  const kind = kinds[0] as (typeof KINDS)[number];
  for (const key of Object.keys(s))
    if (!KEYS[kind].includes(key) && !COMMON.includes(key))
      problem(`${path}.${key}`, `unknown field for a ${kind} step`);
  if (s.id !== undefined && (typeof s.id !== 'string' || !VARIABLE.test(s.id)))
    problem(`${path}.id`, 'must be a short name');
  const base = {
    id: typeof s.id === 'string' ? s.id : path.replace(/^\./, ''),
    continueOnFailure: s.continue_on_failure === true,
  };
  if (s.continue_on_failure !== undefined && typeof s.continue_on_failure !== 'boolean')
    problem(`${path}.continue_on_failure`, 'must be true or false');
  switch (kind) {
    case 'call': {
      if (typeof s.call !== 'string' || s.call === '') problem(`${path}.call`, 'must be a tool name');
      if (s.arguments !== undefined && (typeof s.arguments !== 'object' || Array.isArray(s.arguments)))
        problem(`${path}.arguments`, 'must be an object');
      let timeoutMs: number | undefined;
      if (s.timeout !== undefined) {
        timeoutMs = typeof s.timeout === 'string' ? parseDuration(s.timeout) : undefined;
        if (timeoutMs === undefined) problem(`${path}.timeout`, 'must be a duration such as 30s');
      }
      const retries = s.retries ?? 0;
      if (!Number.isInteger(retries) || (retries as number) < 0 || (retries as number) > 5)
        problem(`${path}.retries`, 'must be an integer from 0 to 5');
      return {
        ...base,
        kind,
        tool: String(s.call),
        arguments: template(s.arguments ?? {}, `${path}.arguments`, problem),
        output: variable(s.output, `${path}.output`, problem),
        timeoutMs,
        retries: retries as number,
      };
    }
    case 'if':
      return {
        ...base,
        kind,
        condition: expression(s.if, `${path}.if`, problem),
        whenTrue: parseSteps(s.then, `${path}.then`, problem),
        whenFalse: s.else === undefined ? [] : parseSteps(s.else, `${path}.else`, problem),
      };
    case 'for_each': {
      const concurrency = s.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || (concurrency as number) < 1 || (concurrency as number) > 16)
        problem(`${path}.concurrency`, 'must be an integer from 1 to 16');
      return {
        ...base,
        kind,
        items: expression(s.for_each, `${path}.for_each`, problem),
        as: variable(s.as ?? 'item', `${path}.as`, problem) ?? 'item',
        concurrency: concurrency as number,
        steps: parseSteps(s.steps, `${path}.steps`, problem),
        output: variable(s.output, `${path}.output`, problem),
      };
    }
    case 'parallel': {
      if (!Array.isArray(s.parallel) || s.parallel.length < 2) {
        problem(`${path}.parallel`, 'must be a list of at least two branches (each a list of steps)');
        return undefined;
      }
      return {
        ...base,
        kind,
        branches: s.parallel.map((branch, i) => parseSteps(branch, `${path}.parallel[${i}]`, problem)),
        output: variable(s.output, `${path}.output`, problem),
      };
    }
    case 'set': {
      if (!s.set || typeof s.set !== 'object' || Array.isArray(s.set)) {
        problem(`${path}.set`, 'must be an object of variable: value');
        return undefined;
      }
      for (const name of Object.keys(s.set)) variable(name, `${path}.set.${name}`, problem);
      return { ...base, kind, values: template(s.set, `${path}.set`, problem) as Record<string, unknown> };
    }
  }
}

export async function loadWorkflows(path: string): Promise<Workflow[]> {
  return parseWorkflows(await readConfigFile(path, 'workflows file'), path);
}
