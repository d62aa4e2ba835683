import type { ProviderRegistry } from '../catalog/registry.js';
import type { PolicyTarget } from '../policy/annotations.js';
import type { Kind } from '../policy/policy-file.js';
import type { WorkflowCatalog } from '../workflows/workflow-tools.js';

/** By method: a Map, since the method is the client's text (`constructor` names no kind). */
const KIND_OF_METHOD: ReadonlyMap<string, Kind> = new Map([
  ['tools/call', 'tools'],
  ['prompts/get', 'prompts'],
  ['resources/read', 'resources'],
]);

/** The kind of target a method's request names (by `name`, or `uri` for a resource), if it names one. */
export const kindOfMethod = (method: string): Kind | undefined => KIND_OF_METHOD.get(method);

export interface NamedTargetDeps {
  registry: ProviderRegistry;
  workflows: WorkflowCatalog;
}

/** What policy sees of a named target: a tool with the annotations it is served with. */
export function namedTarget(deps: NamedTargetDeps, kind: Kind, name: string): PolicyTarget {
  if (kind !== 'tools') return { name };
  const annotations =
    deps.workflows.get(name)?.definition.annotations ?? deps.registry.catalog.tools.get(name)?.annotations;
  return { name, annotations };
}
