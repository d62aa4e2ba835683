import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSpanContextValid, ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { DEFAULT_RATIO, parentBasedRatio, UnsampledSpans } from '../src/sampling.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const under = (traceFlags: number, traceState?: SpanContext['traceState']) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: '00f067aa0ba902b7',
    traceFlags,
    isRemote: true,
    ...(traceState ? { traceState } : {}),
  });

describe('parent-based sampling decided before the SDK', () => {
  it('reads the root ratio of the parent-based samplers and only theirs', () => {
    assert.equal(parentBasedRatio({}), DEFAULT_RATIO);
    assert.equal(parentBasedRatio({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }), 1);
    assert.equal(parentBasedRatio({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }), 0);
    const ratio = (arg?: string) =>
      parentBasedRatio({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: arg });
    assert.equal(ratio('0.25'), 0.25);
    assert.equal(ratio('0'), 0);
    // As the SDK reads it: missing, empty, not a number or out of range is 1.
    for (const arg of [undefined, '', ' ', 'half', '-0.5', '1.5']) assert.equal(ratio(arg), 1, String(arg));
    for (const other of ['always_on', 'always_off', 'traceidratio', 'jaeger_remote'])
      assert.equal(parentBasedRatio({ OTEL_TRACES_SAMPLER: other }), undefined, other);
  });

  it('leaves a sampled parent to the SDK', () => {
    assert.equal(new UnsampledSpans(0).under(under(TraceFlags.SAMPLED)), undefined);
  });

  it('under a parent not sampled: a non-recording child in the same trace, with its own id and the trace state', () => {
    const traceState = {
      get: () => 'v',
      set: () => traceState,
      unset: () => traceState,
      serialize: () => 'k=v',
    };
    const span = new UnsampledSpans(1).under(under(TraceFlags.NONE, traceState));
    assert.ok(span, 'not sampled whatever the root ratio');
    assert.equal(span.isRecording(), false);
    const context = span.spanContext();
    assert.equal(context.traceId, TRACE_ID);
    assert.notEqual(context.spanId, '00f067aa0ba902b7');
    assert.equal(context.traceFlags, TraceFlags.NONE);
    assert.equal(context.traceState?.serialize(), 'k=v');
    assert.ok(isSpanContextValid(context));
  });

  it('a root that loses the draw gets fresh valid ids, every time different', () => {
    const never = new UnsampledSpans(0);
    const ids = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      const span = never.under(ROOT_CONTEXT);
      assert.ok(span);
      const context = span.spanContext();
      assert.ok(isSpanContextValid(context), JSON.stringify(context));
      assert.match(context.traceId, /^[0-9a-f]{32}$/);
      assert.match(context.spanId, /^[0-9a-f]{16}$/);
      ids.add(context.traceId).add(context.spanId);
    }
    assert.equal(ids.size, 2_000);
  });

  it('samples roots at the ratio', () => {
    assert.equal(new UnsampledSpans(1).under(ROOT_CONTEXT), undefined);
    const tenth = new UnsampledSpans(0.1);
    let sampled = 0;
    for (let i = 0; i < 20_000; i++) if (tenth.under(ROOT_CONTEXT) === undefined) sampled++;
    // 2,000 expected; the standard deviation is ~42, so this fails by chance about never.
    assert.ok(sampled > 1_700 && sampled < 2_300, `${sampled} of 20,000 sampled`);
  });
});
