import type { DescribeResponse__Output, ToolProviderClient } from '@mcp-fleet/contract';
import { compileUriTemplate } from '@mcp-fleet/runtime';
import { scanNesting } from '../protocol/json-scan.js';
import { MAX_NESTING } from '../protocol/messages.js';

/** How long a provider has to describe its catalog. */
const DESCRIBE_TIMEOUT_MS = 5_000;
/** Most resource templates of one provider: far beyond a real one's handful. */
const MAX_TEMPLATES = 256;

/** A provider's catalog as its Describe answers it, checked before anything keeps it. */
export async function describeCatalog(client: ToolProviderClient): Promise<DescribeResponse__Output> {
  const response = await new Promise<DescribeResponse__Output>((resolve, reject) => {
    client.Describe({}, { deadline: Date.now() + DESCRIBE_TIMEOUT_MS }, (err, answer) =>
      err || !answer ? reject(err ?? new Error('empty Describe response')) : resolve(answer),
    );
  });
  return checkedCatalog(response);
}

const ITEM_KINDS = [
  ['tools', 'tool'],
  ['prompts', 'prompt'],
  ['resources', 'resource'],
  ['resourceTemplates', 'resource template'],
] as const;

/**
 * A provider's catalog whose every definition is a JSON object nested no deeper than a client's
 * message may be, and whose URI templates compile, or an error naming the first item that is not.
 * Checked before the catalog is kept: a kept one would fail every later rebuild of the merged
 * catalog, every provider's (a definition nested thousands deep parses, then overflows the stack
 * of every serialisation).
 */
export function checkedCatalog(describe: DescribeResponse__Output): DescribeResponse__Output {
  // Every read of an unknown URI is tried against each template.
  if (describe.resourceTemplates.length > MAX_TEMPLATES)
    throw new Error(
      `at most ${MAX_TEMPLATES} resource templates, this catalog ${describe.resourceTemplates.length}`,
    );
  for (const [field, kind] of ITEM_KINDS)
    for (const item of describe[field]) {
      const name = JSON.stringify(item.key.slice(0, 100));
      const text = item.definitionJson.toString('utf8');
      if (scanNesting(text, MAX_NESTING).tooDeep)
        throw new Error(`${kind} ${name} nests deeper than ${MAX_NESTING} levels`);
      let definition: unknown;
      try {
        definition = JSON.parse(text);
        if (field === 'resourceTemplates') compileUriTemplate(item.key);
      } catch (err) {
        throw new Error(`${kind} ${name} is not usable: ${(err as Error).message}`);
      }
      if (typeof definition !== 'object' || definition === null || Array.isArray(definition))
        throw new Error(`${kind} ${name} is not a JSON object`);
    }
  return describe;
}
