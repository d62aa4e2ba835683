import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_RATIO, ParentBasedSampling, parentBasedRatio } from '../src/sampling.js';
import { startSpan, startTelemetry, tracer } from '../src/telemetry.js';

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

  /** What `start` asked the SDK for: the trace id the SDK would give a root it makes now. */
  const sdk = (sampling: ParentBasedSampling) => {
    const made: string[] = [];
    const make = () => {
      made.push(sampling.idGenerator.generateTraceId());
      return trace.wrapSpanContext({ traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: 1 });
    };
    return { made, make };
  };

  it('leaves a sampled parent to the SDK', () => {
    const sampling = new ParentBasedSampling(0);
    const { made, make } = sdk(sampling);
    sampling.start(under(TraceFlags.SAMPLED), make);
    assert.equal(made.length, 1);
  });

  it('under a parent not sampled: a non-recording child in the same trace, with its own id and the trace state', () => {
    const traceState = {
      get: () => 'v',
      set: () => traceState,
      unset: () => traceState,
      serialize: () => 'k=v',
    };
    const sampling = new ParentBasedSampling(1);
    const { made, make } = sdk(sampling);
    const span = sampling.start(under(TraceFlags.NONE, traceState), make);
    assert.equal(made.length, 0, 'not sampled whatever the root ratio');
    assert.equal(span.isRecording(), false);
    const context = span.spanContext();
    assert.equal(context.traceId, TRACE_ID);
    assert.notEqual(context.spanId, '00f067aa0ba902b7');
    assert.equal(context.traceFlags, TraceFlags.NONE);
    assert.equal(context.traceState?.serialize(), 'k=v');
    assert.ok(isSpanContextValid(context));
  });

  it('a root that loses the draw gets fresh valid ids, every time different', () => {
    const sampling = new ParentBasedSampling(0);
    const { made, make } = sdk(sampling);
    const ids = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      const context = sampling.start(ROOT_CONTEXT, make).spanContext();
      assert.ok(isSpanContextValid(context), JSON.stringify(context));
      assert.match(context.traceId, /^[0-9a-f]{32}$/);
      assert.match(context.spanId, /^[0-9a-f]{16}$/);
      ids.add(context.traceId).add(context.spanId);
    }
    assert.equal(made.length, 0);
    assert.equal(ids.size, 2_000);
  });

  it('samples roots at the ratio, and a kept root takes the trace id its sampler agrees on', () => {
    const sampling = new ParentBasedSampling(0.1);
    const { made, make } = sdk(sampling);
    for (let i = 0; i < 20_000; i++) sampling.start(ROOT_CONTEXT, make);
    // 2,000 expected; the standard deviation is ~42, so this fails by chance about never.
    assert.ok(made.length > 1_700 && made.length < 2_300, `${made.length} of 20,000 sampled`);
    const agreed = made.filter(
      (traceId) =>
        sampling.sampler.shouldSample(ROOT_CONTEXT, traceId, 'x', SpanKind.SERVER, {}, []).decision ===
        SamplingDecision.RECORD_AND_SAMPLED,
    );
    assert.equal(agreed.length, made.length, 'the SDK keeps every root drawn for it');
    assert.notEqual(sampling.idGenerator.generateTraceId(), made.at(-1), 'the next root draws anew');
  });

  it("keeps what start keeps without the SDK's sampler deciding again; decides the SDK's own spans", () => {
    const sampling = new ParentBasedSampling(0);
    const ask = () =>
      sampling.sampler.shouldSample(ROOT_CONTEXT, TRACE_ID, 'x', SpanKind.SERVER, {}, []).decision;
    let during: SamplingDecision | undefined;
    sampling.start(under(TraceFlags.SAMPLED), () => {
      during = ask();
      return trace.wrapSpanContext({ traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: 1 });
    });
    assert.equal(during, SamplingDecision.RECORD_AND_SAMPLED);
    // Outside start (a span of tracer()), the parent-based sampler decides: a root at ratio 0 is not kept.
    assert.equal(ask(), SamplingDecision.NOT_RECORD);
    assert.throws(() =>
      sampling.start(under(TraceFlags.SAMPLED), () => {
        throw new Error('the SDK failed');
      }),
    );
    assert.equal(ask(), SamplingDecision.NOT_RECORD, 'not left keeping after a failed start');
  });

  // One SDK per process (the global tracer provider is registered once): one test starts it.
  it('with the SDK: roots drawn here are kept by it, and its own roots (tracer()) follow the ratio', async () => {
    const stop = startTelemetry('sampling-test', {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.5',
    });
    try {
      // Never ended: nothing is exported. 2,000 of 4,000 expected (standard deviation ~32).
      const recorded = (start: () => Span) => {
        let count = 0;
        for (let i = 0; i < 4_000; i++) if (start().isRecording()) count++;
        return count;
      };
      const drawnHere = recorded(() => startSpan('root', {}, ROOT_CONTEXT));
      // Two decisions on different trace ids would keep a quarter.
      assert.ok(drawnHere > 1_800 && drawnHere < 2_200, `${drawnHere} of 4,000 roots drawn here recorded`);
      const sdkRoots = recorded(() => tracer().startSpan('root', {}, ROOT_CONTEXT));
      assert.ok(sdkRoots > 1_800 && sdkRoots < 2_200, `${sdkRoots} of 4,000 roots of tracer() recorded`);
      assert.equal(startSpan('child', {}, under(TraceFlags.SAMPLED)).isRecording(), true);
      assert.equal(startSpan('child', {}, under(TraceFlags.NONE)).isRecording(), false);
    } finally {
      await stop();
    }
  });
});
