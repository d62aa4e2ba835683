/** Variables visible to a step, and those it assigned in its own scope (an iteration, a branch). */
export class Scope {
  readonly assigned: Record<string, unknown> = {};
  constructor(readonly vars: Record<string, unknown>) {}
  set(name: string, value: unknown) {
    this.vars[name] = value;
    this.assigned[name] = value;
  }
  child(extra: Record<string, unknown>) {
    return new Scope({ ...this.vars, ...extra });
  }
}
