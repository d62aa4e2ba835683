import type { DescribeResponse__Output } from '@mcp-fleet/contract';
import { compileUriTemplate, type UriTemplate } from '@mcp-fleet/runtime';
import type { JsonObject } from '../protocol/messages.js';
import { type CacheRule, cacheRuleOf } from '../result-cache/cache-rule.js';
import { type TaskMode, taskModeOf } from '../tasks/task-mode.js';
import { isReservedToolName } from './gateway-tool-names.js';
import { type HeaderParam, headerParamsOf } from './header-params.js';
import type { ProviderConfig } from './providers-file.js';

/** Exposed names must suit every client (DESIGN.md section 4). */
const EXPOSED_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface ToolRoute {
  provider: string;
  /** The provider's own name for the tool. */
  name: string;
  timeoutMs: number;
  /** readOnlyHint or idempotentHint: safe to retry. */
  retryable: boolean;
  /** As the provider declared them: what annotation rules of the policy match. */
  annotations: unknown;
  /** Arguments 2026-07-28 HTTP clients repeat in Mcp-Param-* headers. */
  headerParams: HeaderParam[];
  /** Whether (and how) it runs as a task for clients that opted into the tasks extension. */
  task: TaskMode;
  /** Set when the tool declares cacheable results (read-only and idempotent tools only). */
  cache?: CacheRule;
}

export interface PromptRoute {
  provider: string;
  name: string;
  timeoutMs: number;
}

export interface TemplateRoute {
  provider: string;
  uriTemplate: string;
  template: UriTemplate;
  timeoutMs: number;
}

/** What every provider that is up offers, under the names clients see. */
export interface MergedCatalog {
  tools: Map<string, ToolRoute>;
  toolList: JsonObject[];
  resources: Map<string, { provider: string; timeoutMs: number }>;
  resourceList: JsonObject[];
  templates: TemplateRoute[];
  templateList: JsonObject[];
  prompts: Map<string, PromptRoute>;
  promptList: JsonObject[];
  /** Exposed tool and prompt names of providers that are down, with the provider's name. */
  unavailable: Map<string, string>;
  /** Names two providers both claim; each is refused (served by neither) and makes the gateway not ready. */
  conflicts: string[];
  instructions: string;
}

export interface ProviderSnapshot {
  config: ProviderConfig;
  /** The last catalog the provider described, kept while it is down. */
  describe?: DescribeResponse__Output;
  up: boolean;
}

const parse = (item: { definitionJson: Buffer }) =>
  JSON.parse(item.definitionJson.toString('utf8')) as JsonObject;

export type ListKind = 'tools' | 'resources' | 'prompts';
export const LIST_KINDS: readonly ListKind[] = ['tools', 'resources', 'prompts'];

/** A list as clients see it, as text: a change of it is a list_changed notification. */
export function listSignature(catalog: MergedCatalog, kind: ListKind): string {
  const lists = {
    tools: [catalog.toolList],
    resources: [catalog.resourceList, catalog.templateList],
    prompts: [catalog.promptList],
  }[kind];
  return JSON.stringify(lists);
}

export function exposedName(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}_${name}`;
}

function hasHint(definition: JsonObject, hint: string): boolean {
  const annotations = definition.annotations as Record<string, unknown> | undefined;
  return annotations?.[hint] === true;
}

/**
 * Builds the catalog clients see. A name claimed twice is served by neither claimant: shadowing
 * one provider's tool by another's would route calls somewhere the operator did not intend.
 */
export function mergeCatalog(snapshots: readonly ProviderSnapshot[]): MergedCatalog {
  const merged: MergedCatalog = {
    tools: new Map(),
    toolList: [],
    resources: new Map(),
    resourceList: [],
    templates: [],
    templateList: [],
    prompts: new Map(),
    promptList: [],
    unavailable: new Map(),
    conflicts: [],
    instructions: '',
  };
  const owners = new Map<string, string>();
  const conflicted = new Set<string>();
  const claim = (key: string, provider: string): boolean => {
    const owner = owners.get(key);
    if (owner !== undefined && owner !== provider) {
      conflicted.add(key);
      merged.conflicts.push(`${key} (providers ${owner} and ${provider})`);
      return false;
    }
    owners.set(key, provider);
    return true;
  };
  const instructions: string[] = [];
  for (const { config, describe, up } of snapshots) {
    if (!describe) continue;
    const timeoutOf = (name: string) => config.toolTimeoutsMs[name] ?? config.timeoutMs;
    if (!up) {
      for (const item of [...describe.tools, ...describe.prompts]) {
        merged.unavailable.set(exposedName(config.prefix, item.key), config.name);
      }
      continue;
    }
    if (describe.instructions) instructions.push(`${config.name}: ${describe.instructions}`);
    for (const item of describe.tools) {
      const name = exposedName(config.prefix, item.key);
      if (!EXPOSED_NAME.test(name)) {
        merged.conflicts.push(`${name} (provider ${config.name}: not a valid exposed tool name)`);
        continue;
      }
      if (isReservedToolName(name)) {
        merged.conflicts.push(
          `${name} (provider ${config.name}: a name reserved for the gateway's own tools)`,
        );
        continue;
      }
      if (!claim(`tool:${name}`, config.name)) continue;
      const definition: JsonObject = { ...parse(item), name };
      merged.tools.set(name, {
        provider: config.name,
        name: item.key,
        timeoutMs: timeoutOf(item.key),
        retryable: hasHint(definition, 'readOnlyHint') || hasHint(definition, 'idempotentHint'),
        annotations: definition.annotations,
        headerParams: headerParamsOf(definition.inputSchema),
        task: taskModeOf(definition),
        cache: cacheRuleOf(definition, describe.revision),
      });
      merged.toolList.push(definition);
    }
    for (const item of describe.prompts) {
      const name = exposedName(config.prefix, item.key);
      if (!claim(`prompt:${name}`, config.name)) continue;
      merged.prompts.set(name, { provider: config.name, name: item.key, timeoutMs: config.timeoutMs });
      merged.promptList.push({ ...parse(item), name });
    }
    for (const item of describe.resources) {
      if (!claim(`resource:${item.key}`, config.name)) continue;
      merged.resources.set(item.key, { provider: config.name, timeoutMs: config.timeoutMs });
      merged.resourceList.push(parse(item));
    }
    for (const item of describe.resourceTemplates) {
      if (!claim(`template:${item.key}`, config.name)) continue;
      merged.templates.push({
        provider: config.name,
        uriTemplate: item.key,
        template: compileUriTemplate(item.key),
        timeoutMs: config.timeoutMs,
      });
      merged.templateList.push(parse(item));
    }
  }
  if (conflicted.size > 0) {
    const removeConflicts = <T>(
      map: Map<string, T>,
      kind: string,
      list: JsonObject[],
      keyOf: (d: JsonObject) => string,
    ) => {
      for (const key of conflicted) {
        if (key.startsWith(`${kind}:`)) map.delete(key.slice(kind.length + 1));
      }
      return list.filter((d) => !conflicted.has(`${kind}:${keyOf(d)}`));
    };
    merged.toolList = removeConflicts(merged.tools, 'tool', merged.toolList, (d) => String(d.name));
    merged.promptList = removeConflicts(merged.prompts, 'prompt', merged.promptList, (d) => String(d.name));
    merged.resourceList = removeConflicts(merged.resources, 'resource', merged.resourceList, (d) =>
      String(d.uri),
    );
    merged.templates = merged.templates.filter((t) => !conflicted.has(`template:${t.uriTemplate}`));
    merged.templateList = merged.templateList.filter(
      (d) => !conflicted.has(`template:${String(d.uriTemplate)}`),
    );
  }
  merged.instructions = instructions.join('\n');
  return merged;
}
