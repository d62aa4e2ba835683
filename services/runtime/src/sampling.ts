import { randomFillSync } from 'node:crypto';
import { type Context, type Span, TraceFlags, trace } from '@opentelemetry/api';
import {
  type IdGenerator,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { hasTraceIds } from './traceparent.js';

/** Share of requests without a caller trace that start one, when OTEL_TRACES_SAMPLER is unset. */
export const DEFAULT_RATIO = 0.1;

/**
 * The root ratio of a parent-based sampler: ours by default, or the ones OTEL_TRACES_SAMPLER names
 * `parentbased_traceidratio` (its ARG, 1 when missing or invalid, as the SDK reads it),
 * `parentbased_always_on` and `parentbased_always_off`. Undefined for any other sampler, which
 * then decides every span itself.
 */
export function parentBasedRatio(env: Record<string, string | undefined>): number | undefined {
  switch (env.OTEL_TRACES_SAMPLER ?? '') {
    case '':
      return DEFAULT_RATIO;
    case 'parentbased_always_on':
      return 1;
    case 'parentbased_always_off':
      return 0;
    case 'parentbased_traceidratio': {
      const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
      const ratio = arg ? Number(arg) : Number.NaN;
      return ratio >= 0 && ratio <= 1 ? ratio : 1;
    }
    default:
      return undefined;
  }
}

/**
 * A parent-based sampler whose "do not record" is taken before the SDK is asked: a span whose
 * parent is not sampled, or a root whose drawn trace id the ratio refuses, is a non-recording
 * span with fresh ids (its trace still propagates, so the next hop follows the decision). The SDK
 * makes only the spans kept. Its path through sampler, id generator and span-context checks cost
 * more than the rest of tracing for a call nobody records. The SDK gets `sampler` and
 * `idGenerator`: the same ratio decides the roots it starts itself (a span from `tracer()`), and
 * a root kept here takes the trace id drawn for it, so the SDK's sampler, deciding on that id,
 * agrees, as would any other service sampling by trace id at the same ratio.
 */
export class ParentBasedSampling {
  /** Roots whose trace id folds below this are kept: TraceIdRatioBasedSampler's bound for the ratio. */
  private readonly bound: number;
  /** The trace id drawn here for the root span the SDK is making now. */
  private drawn: string | undefined;
  /** Set while the SDK makes a span `start` has decided to record: its sampler need not decide again. */
  private kept = false;
  private readonly parentBased: Sampler;
  /**
   * The SDK's sampler: the parent-based one for the spans the SDK starts itself (a span from
   * `tracer()`), and a yes without asking it for the ones `start` keeps, so their parent's ids are
   * not checked by regular expression, nor a root's trace id parsed, a second time.
   */
  readonly sampler: Sampler = {
    shouldSample: (...args) => (this.kept ? KEEP : this.parentBased.shouldSample(...args)),
    toString: () => this.parentBased.toString(),
  };
  readonly idGenerator: IdGenerator = {
    generateTraceId: () => this.drawn ?? randomId(16),
    generateSpanId: () => randomId(8),
  };

  constructor(rootRatio: number) {
    this.bound = rootRatio >= 1 ? 0x100000000 : Math.floor(Math.max(rootRatio, 0) * 0xffffffff);
    this.parentBased = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(rootRatio) });
  }

  /** A span under `parent`: non-recording when not sampled, else the one `make` has the SDK start. */
  start(parent: Context, make: () => Span): Span {
    const parentSpan = trace.getSpanContext(parent);
    if (parentSpan !== undefined && hasTraceIds(parentSpan)) {
      if ((parentSpan.traceFlags & TraceFlags.SAMPLED) !== 0) return this.keep(make);
      return trace.wrapSpanContext({
        traceId: parentSpan.traceId,
        spanId: randomId(8),
        traceFlags: TraceFlags.NONE,
        traceState: parentSpan.traceState,
      });
    }
    // The ratio sampler folds the trace id's four 32-bit words by xor; the bytes are at hand, so
    // the same fold is taken from them instead of from the id's hex.
    const at = draw(16);
    const folded =
      (pool.readUInt32BE(at) ^
        pool.readUInt32BE(at + 4) ^
        pool.readUInt32BE(at + 8) ^
        pool.readUInt32BE(at + 12)) >>>
      0;
    const traceId = hexAt(at, 16);
    if (folded >= this.bound)
      return trace.wrapSpanContext({ traceId, spanId: randomId(8), traceFlags: TraceFlags.NONE });
    this.drawn = traceId;
    try {
      return this.keep(make);
    } finally {
      this.drawn = undefined;
    }
  }

  private keep(make: () => Span): Span {
    this.kept = true;
    try {
      return make();
    } finally {
      this.kept = false;
    }
  }
}

/** What the parent-based sampler answers for a span it keeps (AlwaysOnSampler's answer). */
const KEEP: SamplingResult = { decision: SamplingDecision.RECORD_AND_SAMPLED };

// Random bytes are drawn 4 KB at a time: one system call per ~170 spans, not one per id.
const pool = Buffer.alloc(4096);
let used = pool.length;

/** Where `bytes` (a multiple of 4) fresh random bytes start in the pool, never all zeros (W3C's invalid id). */
function draw(bytes: number): number {
  for (;;) {
    if (used + bytes > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    const at = used;
    used += bytes;
    let any = 0;
    for (let i = at; i < used; i += 4) any |= pool.readUInt32BE(i);
    if (any !== 0) return at;
  }
}

/** The pool's `bytes` bytes at `at` in lowercase hex. */
function hexAt(at: number, bytes: number): string {
  return pool.toString('hex', at, at + bytes);
}

/** A fresh random id of `bytes` bytes in lowercase hex, never all zeros. */
function randomId(bytes: number): string {
  return hexAt(draw(bytes), bytes);
}
