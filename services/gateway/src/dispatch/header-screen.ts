import type { Caller } from '../auth/caller.js';
import type { ProviderRegistry } from '../catalog/registry.js';
import type { Envelope } from '../engine/dialect.js';
import type { Screening } from '../engine/request-context.js';
import type { PolicyTarget } from '../policy/annotations.js';
import type { Kind } from '../policy/policy-file.js';
import { decodeHeaderValue } from '../protocol/routing-headers.js';
import { isModernVersion } from '../protocol/versions.js';
import type { WorkflowCatalog } from '../workflows/workflow-tools.js';
import type { Admission } from './admission.js';

export interface HeaderScreenDeps {
  admission: Admission;
  registry: ProviderRegistry;
  workflows: WorkflowCatalog;
}

/** The methods whose Mcp-Name names what policy admits, and the kind it is. */
const KIND_OF_METHOD: Readonly<Record<string, Kind>> = {
  'tools/call': 'tools',
  'prompts/get': 'prompts',
  'resources/read': 'resources',
};

/**
 * Admission of a 2026-07-28 POST from its routing headers (MCP-Protocol-Version, Mcp-Method,
 * Mcp-Name) before its body is parsed: a target the caller may never use, or one it has called
 * too often, costs no parse. The body is checked against the headers afterwards (the ladder), so
 * a client cannot be screened for one name and call another.
 */
export function headerScreen(deps: HeaderScreenDeps) {
  return async (caller: Caller, envelope: Envelope): Promise<Screening | undefined> => {
    if (!isModernVersion(envelope.header('mcp-protocol-version')?.trim())) return undefined;
    const method = envelope.header('mcp-method')?.trim() ?? '';
    const kind = KIND_OF_METHOD[method];
    const raw = envelope.header('mcp-name');
    const name = raw === undefined ? undefined : decodeHeaderValue(raw);
    if (!kind || name === undefined) return undefined;
    return deps.admission.screen(
      { caller, sessionId: '', method, headers: {} },
      kind,
      targetOf(deps, kind, name),
    );
  };
}

/** What policy sees of a target named in the headers: a tool with the annotations it is served with. */
function targetOf(deps: HeaderScreenDeps, kind: Kind, name: string): PolicyTarget {
  if (kind !== 'tools') return { name };
  const annotations =
    deps.workflows.get(name)?.definition.annotations ?? deps.registry.catalog.tools.get(name)?.annotations;
  return { name, annotations };
}
