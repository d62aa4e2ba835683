import type { HandlerContext } from './define.js';

/** Everything of a handler's context but its signal, which is made only when first read. */
export type ContextParts = Omit<HandlerContext, 'signal'>;

/**
 * A handler's context. A class, so `signal` is a getter on the prototype: as an object literal
 * whose getter closed over the call, it made V8 promote every call the provider served to the old
 * generation, with everything the getter captured (~200 MB a bench run, scavenges the provider's
 * biggest cost after the calls themselves; bench/results/levers-2026-12-01.md).
 */
export class CallContext implements HandlerContext {
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

  constructor(
    parts: ContextParts,
    private readonly signalOf: () => AbortSignal,
  ) {
    this.identity = parts.identity;
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
  }

  get signal(): AbortSignal {
    return this.signalOf();
  }
}
