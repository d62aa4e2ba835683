import type { Admission } from '../dispatch/admission.js';
import { type NamedTargetDeps, namedTarget } from '../dispatch/named-target.js';
import { admittedOf } from '../dispatch/round-admission.js';
import type { RequestContext } from '../engine/request-context.js';

/** Admits a tasks/* request of the task's own caller, naming the tool the task runs; throws when refused. */
export type AdmitTaskRequest = (ctx: RequestContext, method: string, tool: string) => Promise<void>;

export interface TaskAdmissionDeps extends NamedTargetDeps {
  admission: Admission;
}

/**
 * tasks/update carries answers into a call still running, so it is admitted as an input_required
 * retry is: policy for the task's tool as it stands now (a revoked caller is Forbidden) and the
 * caller's rate limits. tasks/get and tasks/cancel only read or stop the caller's own task, so
 * they stay allowed after a revocation but spend the caller's rate limit.
 */
export function taskAdmission(deps: TaskAdmissionDeps): AdmitTaskRequest {
  return async (ctx, method, tool) => {
    const request = admittedOf(ctx, method);
    if (method === 'tasks/update')
      await deps.admission.screen(request, 'tools', namedTarget(deps, 'tools', tool));
    else await deps.admission.admitStream(request, true);
  };
}
