import { createHash } from 'node:crypto';
import {
  CACHE_META,
  type CatalogItem,
  type DescribeResponse,
  TASK_AFTER_INPUT_META,
} from '@mcp-fleet/contract';
import { compileUriTemplate, errorMessage, type UriTemplate } from '@mcp-fleet/runtime';
import type {
  Definition,
  PromptDefinition,
  ResourceDefinition,
  ResourceTemplateDefinition,
  ToolDefinition,
} from './define.js';
import { DefinitionError } from './errors.js';
import { compileValidator, type Validator } from './schema.js';

/** Names a provider may give its tools and prompts; the gateway's prefix must still fit in 64. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface CompiledTool {
  definition: ToolDefinition;
  validateInput: Validator;
  validateOutput?: Validator;
}

export interface CompiledTemplate {
  definition: ResourceTemplateDefinition;
  template: UriTemplate;
}

/** The provider's definitions, indexed and with schemas compiled, plus their wire description. */
export interface Catalog {
  tools: Map<string, CompiledTool>;
  resources: Map<string, ResourceDefinition>;
  templates: CompiledTemplate[];
  prompts: Map<string, PromptDefinition>;
  describe: DescribeResponse;
}

function item(key: string, definition: Record<string, unknown>): CatalogItem {
  return { key, definitionJson: Buffer.from(JSON.stringify(definition)) };
}

/** The fields of a tool definition that tools/list shows as they are. */
const LISTED_TOOL_FIELDS = [
  'name',
  'title',
  'description',
  'inputSchema',
  'outputSchema',
  'annotations',
  'icons',
] as const;

function toolItem(tool: ToolDefinition) {
  return item(tool.name, {
    ...Object.fromEntries(LISTED_TOOL_FIELDS.map((field) => [field, tool[field]])),
    ...(tool.taskSupport ? { execution: { taskSupport: tool.taskSupport } } : {}),
    ...toolMeta(tool),
  });
}

/** What the gateway alone reads of a tool: task input order and the cache declaration. */
function toolMeta({ inputBeforeTask, cache }: ToolDefinition) {
  const meta = {
    ...(inputBeforeTask ? { [TASK_AFTER_INPUT_META]: true } : {}),
    ...(cache ? { [CACHE_META]: cache } : {}),
  };
  return Object.keys(meta).length > 0 ? { _meta: meta } : {};
}

/** A cache declaration the gateway will honour: on a read-only, idempotent tool, with a real TTL. */
function checkCache({ name, cache, annotations }: ToolDefinition): void {
  if (!cache) return;
  if (annotations?.readOnlyHint !== true || annotations?.idempotentHint !== true)
    throw new DefinitionError(`tool ${name}: cache needs annotations readOnlyHint and idempotentHint`);
  if (!Number.isInteger(cache.ttlMs) || cache.ttlMs < 1)
    throw new DefinitionError(`tool ${name}: cache.ttlMs must be a positive integer`);
  if (cache.invalidatedBy?.some((uri) => typeof uri !== 'string' || uri === ''))
    throw new DefinitionError(`tool ${name}: cache.invalidatedBy lists resource URIs`);
}

function resourceItem({ uri, name, title, description, mimeType }: ResourceDefinition) {
  return item(uri, { uri, name, title, description, mimeType });
}

function templateItem({ uriTemplate, name, title, description, mimeType }: ResourceTemplateDefinition) {
  return item(uriTemplate, { uriTemplate, name, title, description, mimeType });
}

function promptItem({ name, title, description, arguments: args }: PromptDefinition) {
  return item(name, { name, title, description, arguments: args });
}

function compileSchema(tool: string, which: string, schema: Record<string, unknown>): Validator {
  if (schema.type !== 'object') {
    throw new DefinitionError(`tool ${tool}: ${which} must be a JSON Schema with type "object"`);
  }
  try {
    return compileValidator(schema);
  } catch (err) {
    throw new DefinitionError(`tool ${tool}: ${which} does not compile: ${errorMessage(err)}`);
  }
}

function addUnique<T>(map: Map<string, T>, kind: string, key: string, value: T): void {
  if (map.has(key)) throw new DefinitionError(`${kind} ${JSON.stringify(key)} is defined twice`);
  map.set(key, value);
}

/** Validates and indexes definitions; throws DefinitionError on the first inconsistency. */
export function buildCatalog(
  identity: { name: string; version: string; instructions?: string },
  definitions: readonly Definition[],
): Catalog {
  const catalog: Catalog = {
    tools: new Map(),
    resources: new Map(),
    templates: [],
    prompts: new Map(),
    describe: { name: identity.name, version: identity.version, instructions: identity.instructions ?? '' },
  };
  const templateKeys = new Map<string, true>();
  for (const definition of definitions) {
    switch (definition.kind) {
      case 'tool': {
        if (!NAME.test(definition.name))
          throw new DefinitionError(`tool name ${JSON.stringify(definition.name)} is invalid`);
        checkCache(definition);
        const compiled: CompiledTool = {
          definition,
          validateInput: compileSchema(definition.name, 'inputSchema', definition.inputSchema),
        };
        if (definition.outputSchema) {
          compiled.validateOutput = compileSchema(definition.name, 'outputSchema', definition.outputSchema);
        }
        addUnique(catalog.tools, 'tool', definition.name, compiled);
        break;
      }
      case 'resource':
        addUnique(catalog.resources, 'resource', definition.uri, definition);
        break;
      case 'resourceTemplate':
        addUnique(templateKeys, 'resource template', definition.uriTemplate, true);
        catalog.templates.push({ definition, template: compileUriTemplate(definition.uriTemplate) });
        break;
      case 'prompt':
        if (!NAME.test(definition.name))
          throw new DefinitionError(`prompt name ${JSON.stringify(definition.name)} is invalid`);
        addUnique(catalog.prompts, 'prompt', definition.name, definition);
        break;
    }
  }
  const describe = catalog.describe;
  describe.tools = [...catalog.tools.values()].map((t) => toolItem(t.definition));
  describe.resources = [...catalog.resources.values()].map(resourceItem);
  describe.resourceTemplates = catalog.templates.map((t) => templateItem(t.definition));
  describe.prompts = [...catalog.prompts.values()].map(promptItem);
  describe.revision = revisionOf(describe);
  return catalog;
}

/** A content hash of everything a client would see, so equal catalogs share a revision. */
function revisionOf(describe: DescribeResponse): string {
  const hash = createHash('sha256');
  for (const list of [describe.tools, describe.resources, describe.resourceTemplates, describe.prompts]) {
    for (const entry of list ?? []) hash.update(entry.definitionJson as Buffer).update('\0');
    hash.update('\x01');
  }
  hash.update(describe.instructions ?? '');
  return hash.digest('hex').slice(0, 16);
}
