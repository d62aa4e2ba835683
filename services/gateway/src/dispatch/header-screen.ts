import type { Caller } from '../auth/caller.js';
import { isSearchToolName } from '../catalog-search/gateway-tools.js';
import type { Envelope } from '../engine/dialect.js';
import type { Screening } from '../engine/request-context.js';
import { decodeHeaderValue } from '../protocol/routing-headers.js';
import { isModernVersion } from '../protocol/versions.js';
import type { Admission } from './admission.js';
import { kindOfMethod, type NamedTargetDeps, namedTarget } from './named-target.js';

export interface HeaderScreenDeps extends NamedTargetDeps {
  admission: Admission;
  /** True for a tool the gateway answers itself for this caller, outside the policy's rules. */
  isLocalTool(caller: Caller, name: string): boolean;
}

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
    const kind = kindOfMethod(method);
    const raw = envelope.header('mcp-name');
    const name = raw === undefined ? undefined : decodeHeaderValue(raw);
    if (!kind || name === undefined) return undefined;
    // Approval tools (approvers only) and the search tools are no policy target: their own checks, or the
    // admission of the inner call in the body, decide.
    if (kind === 'tools' && (deps.isLocalTool(caller, name) || isSearchToolName(name))) return undefined;
    return deps.admission.screen(
      { caller, sessionId: '', method, headers: {} },
      kind,
      namedTarget(deps, kind, name),
    );
  };
}
