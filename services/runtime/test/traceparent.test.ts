import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultTextMapGetter,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { formatTraceparent, hasTraceIds, parseRemoteSpan } from '../src/traceparent.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const propagator = new W3CTraceContextPropagator();

/** What the OTel W3C propagator extracts from these headers. */
function extracted(traceparent: unknown, tracestate?: string) {
  const carrier = { traceparent, ...(tracestate === undefined ? {} : { tracestate }) };
  return trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
}

describe('traceparent read and written without the propagation API', () => {
  it('reads every header as the W3C propagator does', () => {
    const headers = [
      `00-${TRACE_ID}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${SPAN_ID}-00`,
      `00-${TRACE_ID}-${SPAN_ID}-ff`,
      `00-${TRACE_ID}-${SPAN_ID}-09`,
      // Another version may add fields; version 00 may not.
      `01-${TRACE_ID}-${SPAN_ID}-01-extra`,
      `00-${TRACE_ID}-${SPAN_ID}-01-extra`,
      `ff-${TRACE_ID}-${SPAN_ID}-01`,
      ` 00-${TRACE_ID}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${SPAN_ID}-01 `,
      `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${SPAN_ID.toUpperCase()}-01`,
      `00-${TRACE_ID}-${SPAN_ID}-0A`,
      `00-${'0'.repeat(32)}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${TRACE_ID.slice(1)}g-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${SPAN_ID.slice(1)}z-01`,
      `00-${TRACE_ID}-${SPAN_ID}-0g`,
      `00_${TRACE_ID}-${SPAN_ID}-01`,
      `00-${TRACE_ID}_${SPAN_ID}-01`,
      `00-${TRACE_ID}-${SPAN_ID}_01`,
      `0g-${TRACE_ID}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${SPAN_ID}-1`,
      `00-${TRACE_ID}1-${SPAN_ID}-01`,
      '',
      'garbage',
    ];
    for (const header of headers)
      assert.deepEqual(parseRemoteSpan(header), extracted(header), JSON.stringify(header));
    for (const notText of [undefined, null, 7, [`00-${TRACE_ID}-${SPAN_ID}-01`], {}])
      assert.equal(parseRemoteSpan(notText), undefined, JSON.stringify(notText));
  });

  it('keeps the trace state the caller sent, parsed as the propagator parses it', () => {
    const header = `00-${TRACE_ID}-${SPAN_ID}-01`;
    for (const state of ['vendor=abc', 'a=1,b=2', 'bad state', ''])
      assert.equal(
        parseRemoteSpan(header, state)?.traceState?.serialize(),
        extracted(header, state)?.traceState?.serialize(),
        state,
      );
    assert.equal(parseRemoteSpan(header, ['vendor=abc'])?.traceState, undefined);
  });

  it('writes the header the W3C propagator writes, for flags below 16 (the only ones the fleet sets)', () => {
    for (let traceFlags: number = TraceFlags.NONE; traceFlags < 16; traceFlags++) {
      const span = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags };
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpanContext(ROOT_CONTEXT, span), carrier, {
        set: (to, key, value) => {
          to[key] = value;
        },
      });
      assert.equal(formatTraceparent(span), carrier.traceparent);
      assert.deepEqual(parseRemoteSpan(formatTraceparent(span)), { ...span, isRemote: true });
    }
  });

  it('writes two digits of flags from 16 on, where the propagator writes three, and reads them back', () => {
    const span = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0xff };
    assert.equal(formatTraceparent(span), `00-${TRACE_ID}-${SPAN_ID}-ff`);
    assert.deepEqual(parseRemoteSpan(formatTraceparent(span)), { ...span, isRemote: true });
  });

  it('tells the API’s empty span context from one with ids', () => {
    assert.equal(hasTraceIds(INVALID_SPAN_CONTEXT), false);
    assert.equal(hasTraceIds({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0 }), true);
  });
});
