import { randomFillSync } from 'node:crypto';
import { type Context, isSpanContextValid, type Span, TraceFlags, trace } from '@opentelemetry/api';

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
 * A parent-based sampler's "do not record" taken before the SDK is asked: a span whose parent is
 * not sampled, or a root that loses the draw, is a non-recording span carrying fresh ids (its
 * trace still propagates, so the next hop follows the decision). The SDK, given a parent-based
 * sampler that records every root, then makes only the spans that are kept. Its path through
 * sampler, id generator and span-context checks cost ~10 µs of a gateway call that nobody records.
 */
export class UnsampledSpans {
  constructor(private readonly rootRatio: number) {}

  /** The non-recording span to use under `parent`, or undefined when this one is sampled. */
  under(parent: Context): Span | undefined {
    const parentSpan = trace.getSpanContext(parent);
    if (parentSpan !== undefined && isSpanContextValid(parentSpan)) {
      if ((parentSpan.traceFlags & TraceFlags.SAMPLED) !== 0) return undefined;
      return trace.wrapSpanContext({
        traceId: parentSpan.traceId,
        spanId: randomId(8),
        traceFlags: TraceFlags.NONE,
        traceState: parentSpan.traceState,
      });
    }
    if (Math.random() < this.rootRatio) return undefined;
    return trace.wrapSpanContext({ traceId: randomId(16), spanId: randomId(8), traceFlags: TraceFlags.NONE });
  }
}

// Random bytes are drawn 4 KB at a time: one system call per ~170 spans, not one per id.
const pool = Buffer.alloc(4096);
let used = pool.length;

/** A random id of `bytes` bytes in lowercase hex, never all zeros (W3C's invalid id). */
function randomId(bytes: number): string {
  for (;;) {
    if (used + bytes > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    const id = pool.toString('hex', used, used + bytes);
    used += bytes;
    if (!/^0+$/.test(id)) return id;
  }
}
