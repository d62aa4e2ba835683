import { INVALID_SPANID, INVALID_TRACEID, type SpanContext } from '@opentelemetry/api';
import { parseTraceParent, TraceState } from '@opentelemetry/core';

/**
 * W3C `traceparent` read and written without the propagation API, for the hop every call makes:
 * the API looks up the global propagator, goes through a getter or setter, and checks both ids by
 * regular expression again on every inject. The header is parsed by the OTel propagator's own
 * parser, so both read the same values the same way.
 */

/** Two-digit lowercase hex of a flags byte, as the header spells it. */
const FLAGS = Array.from({ length: 256 }, (_, flags) => flags.toString(16).padStart(2, '0'));

/**
 * The remote span context a caller's `traceparent` (and `tracestate`) names, or undefined when the
 * header is missing or invalid: what the W3C propagator would extract.
 */
export function parseRemoteSpan(traceparent: unknown, tracestate?: unknown): SpanContext | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const fields = parseTraceParent(traceparent);
  if (fields === null) return undefined;
  const span: SpanContext = {
    traceId: fields.traceId,
    spanId: fields.spanId,
    traceFlags: fields.traceFlags,
    isRemote: true,
  };
  if (typeof tracestate === 'string' && tracestate !== '') span.traceState = new TraceState(tracestate);
  return span;
}

/**
 * Whether a span context carries ids to propagate. Every span context this fleet handles comes
 * from a header the parser above checked, from the configured propagators through telemetry.ts's
 * check (the only way in for a caller's context), or from ids drawn in sampling.ts, so the API's
 * hex check is not repeated per call: an invalid context is the API's all-zero one.
 */
export function hasTraceIds(span: SpanContext): boolean {
  return span.traceId !== INVALID_TRACEID && span.spanId !== INVALID_SPANID;
}

/** The `traceparent` header naming `span` as the parent of the next hop. */
export function formatTraceparent(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-${FLAGS[span.traceFlags & 0xff]}`;
}
