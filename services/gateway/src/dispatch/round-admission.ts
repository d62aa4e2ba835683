import { FleetError } from '@mcp-fleet/contract';
import { stringParam } from '@mcp-fleet/runtime';
import type { CatalogSearch } from '../catalog-search/catalog-search.js';
import type { RequestContext } from '../engine/request-context.js';
import type { AdmitRound } from '../input-required/input-required.js';
import { invalidParams } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';
import { isModernVersion } from '../protocol/versions.js';
import type { Admission, Admitted } from './admission.js';
import { kindOfMethod, type NamedTargetDeps, namedTarget } from './named-target.js';

/** A request as admission sees it: its caller, session, trace, and what its headers paid for. */
export function admittedOf(ctx: RequestContext, method: string): Admitted {
  return {
    caller: ctx.caller,
    sessionId: ctx.session.id,
    method,
    traceId: ctx.traceId,
    headers: ctx.headers,
    screening: ctx.envelope?.screening,
    inRound: ctx.ask !== undefined && !ctx.workflowStep,
    oneRequest: isModernVersion(ctx.session.protocolVersion),
  };
}

export interface RoundAdmissionDeps extends NamedTargetDeps {
  admission: Admission;
  /** In search mode a fleet_call_tool round is admitted as the call it makes. */
  catalogSearch?: Pick<CatalogSearch, 'innerCall'>;
}

/**
 * Admission of each round of a multi-round (input_required) request. A first request holds an
 * in-flight slot for its round (the call is admitted inside, as any call is). A retry is admitted
 * as a fresh request of its target would be, on every edge: policy as it stands now (with the
 * arguments), rate limits, quotas and a slot for its round, before it reaches the parked call.
 */
export function roundAdmission(deps: RoundAdmissionDeps): AdmitRound {
  return async (ctx, method, asked, retry) => {
    const params = deps.catalogSearch?.innerCall(ctx, method, asked) ?? asked;
    const kind = kindOfMethod(method);
    if (!kind) throw invalidParams(`${method} cannot answer input_required`);
    const name = kind === 'resources' ? stringParam(params, 'uri') : stringParam(params, 'name');
    const request = admittedOf(ctx, method);
    if (!retry) return deps.admission.inFlight(request, name);
    const args = kind === 'tools' ? ((params.arguments ?? {}) as JsonObject) : undefined;
    const end = await deps.admission.admit(request, kind, namedTarget(deps, kind, name), args);
    return (error?: unknown) =>
      error === undefined
        ? end('ok')
        : end('error', error instanceof FleetError ? String(error.code) : 'internal');
  };
}
