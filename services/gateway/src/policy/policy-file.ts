import { ConfigError } from '@mcp-fleet/runtime';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { type ApprovalRequirement, parseApproval } from '../approvals/approval-rule.js';
import { parseConfigText } from '../config-files.js';
import { compileHintMatch, HINTS, type HintValues, type PolicyTarget } from './annotations.js';
import { compileGlob } from './glob.js';

export type Kind = 'tools' | 'resources' | 'prompts';

export interface Rule {
  /** Where the rule is written, e.g. `roles.reader.tools.deny[0]`: what a denied caller is told. */
  id: string;
  matches: (target: PolicyTarget) => boolean;
  /** On tool allow rules: the call needs this approval before it runs. */
  approval?: ApprovalRequirement;
}

export interface RateLimit {
  /** Sustained calls per second. */
  perSecond: number;
  /** Calls allowed at once above the sustained rate. */
  burst: number;
}

export interface RolePolicy {
  name: string;
  allow: Record<Kind, Rule[]>;
  deny: Record<Kind, Rule[]>;
  /** The tool allow rules that carry an approval (usually none): checked on every call. */
  approvals: Rule[];
  /** Argument constraints per exposed tool name, compiled once. */
  constraints: Map<string, ValidateFunction>;
  rateLimit?: RateLimit;
  toolRateLimit?: RateLimit;
  quota?: { perHour?: number; perDay?: number };
}

export interface Policy {
  roles: Map<string, RolePolicy>;
}

const GLOB = { type: 'string', minLength: 1 };
const rulesOf = (item: object) => {
  const list = { type: 'array', items: item };
  return { type: 'object', additionalProperties: false, properties: { allow: list, deny: list } };
};
/**
 * A tool rule: a glob on the exposed name, or annotation hints (and optionally a name glob). An
 * allow rule may instead (or also) carry an `approval`, checked by parseApproval for clear errors.
 */
const toolRule = (allow: boolean) => ({
  if: { type: 'string' },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword, so errors name the one form that was meant
  then: GLOB,
  else: {
    type: 'object',
    ...(allow
      ? { anyOf: [{ required: ['annotations'] }, { required: ['approval'] }] }
      : { required: ['annotations'] }),
    additionalProperties: false,
    properties: {
      name: GLOB,
      annotations: {
        type: 'object',
        minProperties: 1,
        additionalProperties: false,
        properties: Object.fromEntries(HINTS.map((hint) => [hint, { type: 'boolean' }])),
      },
      ...(allow ? { approval: {} } : {}),
    },
  },
});
const TOOL_RULES = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allow: { type: 'array', items: toolRule(true) },
    deny: { type: 'array', items: toolRule(false) },
  },
};
const RATE = {
  type: 'object',
  required: ['perSecond'],
  additionalProperties: false,
  properties: { perSecond: { type: 'number', exclusiveMinimum: 0 }, burst: { type: 'integer', minimum: 1 } },
};

const schema = {
  type: 'object',
  required: ['roles'],
  additionalProperties: false,
  properties: {
    roles: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9_.:-]{1,64}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          tools: TOOL_RULES,
          resources: rulesOf(GLOB),
          prompts: rulesOf(GLOB),
          arguments: { type: 'object', additionalProperties: { type: 'object' } },
          rateLimit: RATE,
          toolRateLimit: RATE,
          quota: {
            type: 'object',
            additionalProperties: false,
            properties: { perHour: { type: 'integer', minimum: 0 }, perDay: { type: 'integer', minimum: 0 } },
          },
        },
      },
    },
  },
};

const validatePolicy = new Ajv2020({ allErrors: true }).compile(schema);

type RawRule = string | { name?: string; annotations?: Partial<HintValues>; approval?: unknown };
type RawRules = { allow?: RawRule[]; deny?: RawRule[] };

interface RawRole {
  tools?: RawRules;
  resources?: RawRules;
  prompts?: RawRules;
  arguments?: Record<string, Record<string, unknown>>;
  rateLimit?: { perSecond: number; burst?: number };
  toolRateLimit?: { perSecond: number; burst?: number };
  quota?: { perHour?: number; perDay?: number };
}

/** Globs match the name; annotation rules match the hints, and the name when they give one. */
function compileRule(rule: RawRule): Rule['matches'] {
  if (typeof rule === 'string') {
    const glob = compileGlob(rule);
    return (target) => glob(target.name);
  }
  const glob = rule.name === undefined ? () => true : compileGlob(rule.name);
  const hints = compileHintMatch(rule.annotations ?? {});
  return (target) => glob(target.name) && hints(target.annotations);
}

const rate = (raw: RawRole['rateLimit']): RateLimit | undefined =>
  raw ? { perSecond: raw.perSecond, burst: raw.burst ?? Math.max(1, Math.ceil(raw.perSecond)) } : undefined;

/**
 * Parses a policy file. Argument constraints are JSON Schemas compiled with ajv in strict
 * coercion-free mode: no defaults are inserted, no types coerced, so what is checked is exactly
 * what the provider receives.
 */
export function parsePolicy(text: string, source: string): Policy {
  const raw = parseConfigText(text, source);
  if (!validatePolicy(raw)) {
    throw new ConfigError(
      (validatePolicy.errors ?? []).map(
        (e) => `${source}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
      ),
    );
  }
  const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });
  const problems: string[] = [];
  const roles = new Map<string, RolePolicy>();
  for (const [name, role] of Object.entries((raw as { roles: Record<string, RawRole> }).roles)) {
    const rules = (kind: Kind, effect: 'allow' | 'deny') =>
      (role[kind]?.[effect] ?? []).map((rule, i): Rule => {
        const id = `roles.${name}.${kind}.${effect}[${i}]`;
        const approval = typeof rule === 'object' && 'approval' in rule && parseApproval(rule.approval, id);
        if (Array.isArray(approval)) problems.push(...approval.map((p) => `${source}: ${p}`));
        return {
          id,
          matches: compileRule(rule),
          ...(approval && !Array.isArray(approval) ? { approval } : {}),
        };
      });
    const constraints = new Map<string, ValidateFunction>();
    for (const [tool, constraint] of Object.entries(role.arguments ?? {})) {
      try {
        constraints.set(tool, ajv.compile(constraint));
      } catch (err) {
        problems.push(`${source}: roles.${name}.arguments.${tool}: ${(err as Error).message}`);
      }
    }
    const toolAllows = rules('tools', 'allow');
    roles.set(name, {
      name,
      allow: {
        tools: toolAllows,
        resources: rules('resources', 'allow'),
        prompts: rules('prompts', 'allow'),
      },
      deny: {
        tools: rules('tools', 'deny'),
        resources: rules('resources', 'deny'),
        prompts: rules('prompts', 'deny'),
      },
      approvals: toolAllows.filter((rule) => rule.approval),
      constraints,
      rateLimit: rate(role.rateLimit),
      toolRateLimit: rate(role.toolRateLimit),
      quota: role.quota,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { roles };
}

/** The policy when none is configured: nobody may do anything. */
export const DENY_ALL: Policy = { roles: new Map() };
