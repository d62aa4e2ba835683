import type { Admission } from '../dispatch/admission.js';
import { type NamedTargetDeps, namedTarget } from '../dispatch/named-target.js';
import { admittedOf } from '../dispatch/round-admission.js';
import type { RequestContext } from '../engine/request-context.js';

/** Admission of the tasks/* requests of a task's caller. */
export interface TaskAdmission {
  /** Spends the caller's rate limit: every tasks/* request, before its task is even looked up. */
  request(ctx: RequestContext, method: string): Promise<void>;
  /** Policy for the tool the task runs, as it stands now: throws Forbidden when revoked. */
  answers(ctx: RequestContext, method: string, tool: string): void;
}

export interface TaskAdmissionDeps extends NamedTargetDeps {
  admission: Admission;
}

/**
 * tasks/update carries answers into a call still running, so it is admitted as an input_required
 * retry is: the caller's rate limit, and policy for the task's tool as it stands now (a revoked
 * caller is Forbidden; the task's arguments are not kept, so the question is the list one).
 * tasks/get and tasks/cancel only read or stop the caller's own task: they stay allowed after a
 * revocation, but spend the rate limit too.
 */
export function taskAdmission(deps: TaskAdmissionDeps): TaskAdmission {
  return {
    request: (ctx, method) => deps.admission.admitStream(admittedOf(ctx, method), true),
    answers: (ctx, method, tool) =>
      deps.admission.authorize(admittedOf(ctx, method), 'tools', namedTarget(deps, 'tools', tool)),
  };
}
