import type { HandlerContext } from './define.js';

/** Everything of a handler's context but its signal, which is made only when first read. */
export type ContextParts = Omit<HandlerContext, 'signal'>;

const signalOf = Symbol('signalOf');

/** The one `signal` accessor every context gets. */
const SIGNAL: PropertyDescriptor = {
  enumerable: true,
  get(this: CallContext) {
    return this[signalOf]();
  },
};

/**
 * A handler's context. Not an object literal with `get signal()`: a literal whose getter is a
 * fresh closure over the call made V8 promote every call the provider served to the old
 * generation, with everything the getter captured (~200 MB a bench run, scavenges the provider's
 * biggest cost after the calls themselves; bench/results/levers-2026-12-01.md). `signal` is an own
 * enumerable accessor, as it was on the literal, so a handler that spreads its context
 * (`{ ...ctx, log }`) still passes the signal on; the accessor function is one for every context.
 */
export class CallContext implements HandlerContext {
  declare readonly signal: AbortSignal;
  readonly identity: HandlerContext['identity'];
  readonly traceContext: HandlerContext['traceContext'];
  readonly protocolVersion: string;
  readonly clientCapabilities: HandlerContext['clientCapabilities'];
  readonly meta: HandlerContext['meta'];
  readonly progress: HandlerContext['progress'];
  readonly log: HandlerContext['log'];
  readonly sample: HandlerContext['sample'];
  readonly elicit: HandlerContext['elicit'];
  readonly request: HandlerContext['request'];
  readonly detach: HandlerContext['detach'];
  readonly [signalOf]: () => AbortSignal;

  constructor(parts: ContextParts, signal: () => AbortSignal) {
    this.identity = parts.identity;
    Object.defineProperty(this, 'signal', SIGNAL);
    this.traceContext = parts.traceContext;
    this.protocolVersion = parts.protocolVersion;
    this.clientCapabilities = parts.clientCapabilities;
    this.meta = parts.meta;
    this.progress = parts.progress;
    this.log = parts.log;
    this.sample = parts.sample;
    this.elicit = parts.elicit;
    this.request = parts.request;
    this.detach = parts.detach;
    this[signalOf] = signal;
  }
}
