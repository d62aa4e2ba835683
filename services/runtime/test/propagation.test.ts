import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import {
  contextFromHeaders,
  contextFromMeta,
  contextFromMetadata,
  hasTraceIds,
  injectIntoMetadata,
  readTraceFields,
  startMcpSpan,
  startTelemetry,
  traceHeaders,
} from '../src/telemetry.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** The trace context of `metadata`, and what the next hop's metadata carries from it. */
function relay(metadata: Metadata) {
  const context = contextFromMetadata(metadata);
  const onward = new Metadata();
  injectIntoMetadata(onward, context);
  return { context, onward: onward.getMap() };
}

const callerMetadata = () => {
  const metadata = new Metadata();
  metadata.set('traceparent', TRACEPARENT);
  metadata.set('baggage', 'user.id=alice,tenant=acme');
  return metadata;
};

/**
 * Runs `fn` with the SDK started (OTEL_PROPAGATORS set to `propagators` when given: the SDK reads
 * process.env), then stops it.
 */
async function withTelemetry<T>(propagators: string | undefined, fn: () => T): Promise<T> {
  if (propagators !== undefined) process.env.OTEL_PROPAGATORS = propagators;
  const stop = startTelemetry('propagation-test', {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
    ...(propagators !== undefined ? { OTEL_PROPAGATORS: propagators } : {}),
  });
  try {
    return fn();
  } finally {
    delete process.env.OTEL_PROPAGATORS;
    await stop();
    // The SDK leaves its propagator registered: the next test starts it again with another.
    propagation.disable();
  }
}

describe('trace context propagation', () => {
  it('carries the W3C trace context and, by default, no baggage a caller sent', async () => {
    const withBaggage = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage({ 'user.id': { value: 'alice' } }),
    );
    const { context, onward, headers } = await withTelemetry(undefined, () => ({
      ...relay(callerMetadata()),
      headers: traceHeaders(withBaggage),
    }));
    assert.equal(trace.getSpanContext(context)?.traceFlags, TraceFlags.SAMPLED);
    assert.equal(onward.traceparent, TRACEPARENT);
    // Baggage is the caller's data: a gateway never forwards it to providers unless told to.
    assert.equal(propagation.getBaggage(context), undefined);
    assert.equal(onward.baggage, undefined);
    assert.deepEqual(headers, {});
  });

  it("reads a message's _meta trace context within the W3C limits", async () => {
    await withTelemetry(undefined, () => {
      const state = (meta: unknown) =>
        trace.getSpanContext(contextFromMeta(meta) ?? ROOT_CONTEXT)?.traceState;
      assert.equal(state({ traceparent: TRACEPARENT, tracestate: 'vendor=abc' })?.get('vendor'), 'abc');
      // A body may be 4 MB: a tracestate past 512 characters is not parsed, and none is kept.
      const long = `${'v=1,'.repeat(200_000)}vendor=abc`;
      assert.equal(state({ traceparent: TRACEPARENT, tracestate: long }), undefined);
      assert.equal(
        trace.getSpanContext(contextFromMeta({ traceparent: TRACEPARENT, tracestate: long }) ?? ROOT_CONTEXT)
          ?.traceId,
        TRACEPARENT.split('-')[1],
      );
      assert.equal(state({ traceparent: TRACEPARENT, tracestate: ['vendor=abc'] }), undefined);
      assert.equal(contextFromMeta({ traceparent: `${TRACEPARENT}${'-0'.repeat(1_000)}` }), undefined);
      for (const meta of [undefined, null, 'x', [], {}, { traceparent: 7 }, { traceparent: [TRACEPARENT] }])
        assert.equal(contextFromMeta(meta), undefined, JSON.stringify(meta));
      // Baggage in _meta is the caller's data like the header's.
      const context = contextFromMeta({ traceparent: TRACEPARENT, baggage: 'user.id=alice' });
      assert.equal(propagation.getBaggage(context ?? ROOT_CONTEXT), undefined);
    });
  });

  it('treats a blank OTEL_PROPAGATORS as unset, as the SDK does', async () => {
    const { onward } = await withTelemetry(' ', () => relay(callerMetadata()));
    assert.equal(onward.traceparent, TRACEPARENT);
    assert.equal(onward.baggage, undefined);
  });

  it('reads the HTTP edge headers as the propagator does: the first traceparent, every tracestate', async () => {
    await withTelemetry(undefined, () => {
      const span = (headers: Record<string, string | string[]>) =>
        trace.getSpanContext(contextFromHeaders(headers));
      assert.equal(span({ traceparent: TRACEPARENT })?.traceId, TRACEPARENT.split('-')[1]);
      assert.equal(span({ traceparent: [TRACEPARENT, 'junk'] })?.spanId, TRACEPARENT.split('-')[2]);
      assert.equal(
        span({ traceparent: TRACEPARENT, tracestate: ['a=1', 'b=2'] })?.traceState?.serialize(),
        'a=1,b=2',
      );
      assert.equal(span({ traceparent: 'junk' }), undefined);
      assert.equal(span({}), undefined);
    });
  });

  it('drops a trace context whose ids a propagator did not check (Jaeger), on every edge', async () => {
    const forged = 'FORGED%20%3Cimg%20src%3Dx%3E%0Aline2:1:0:0';
    const valid = `${TRACEPARENT.split('-')[1]}:${TRACEPARENT.split('-')[2]}:0:1`;
    await withTelemetry('tracecontext,jaeger', () => {
      const metadata = (value: string) => {
        const carrier = new Metadata();
        carrier.set('uber-trace-id', value);
        return carrier;
      };
      for (const context of [
        contextFromMetadata(metadata(forged)),
        contextFromHeaders({ 'uber-trace-id': forged }),
      ]) {
        assert.equal(trace.getSpanContext(context), undefined);
        // The request's own span, and so the audit's trace id, gets ids of its own.
        const span = startMcpSpan('tools/call', { name: 'echo' }, context, {}).spanContext();
        assert.ok(hasTraceIds(span));
        assert.match(span.traceId, /^[0-9a-f]{32}$/);
      }
      // Ids in upper case are the same ids: kept, in the lower case every later check expects.
      const upper = `${valid.split(':')[0]?.toUpperCase()}:${valid.split(':')[1]?.toUpperCase()}:0:1`;
      for (const context of [
        contextFromMetadata(metadata(upper)),
        contextFromHeaders({ 'uber-trace-id': upper }),
      ])
        assert.deepEqual(
          [trace.getSpanContext(context)?.traceId, trace.getSpanContext(context)?.spanId],
          TRACEPARENT.split('-').slice(1, 3),
        );
      // A well-formed Jaeger header still joins its trace.
      assert.equal(
        trace.getSpanContext(contextFromMetadata(metadata(valid)))?.traceId,
        TRACEPARENT.split('-')[1],
      );
      assert.equal(
        trace.getSpanContext(contextFromHeaders({ 'uber-trace-id': valid }))?.traceId,
        TRACEPARENT.split('-')[1],
      );
    });
  });

  it('leaves out a header a propagator writes that gRPC metadata cannot carry, rather than throwing', async () => {
    await withTelemetry('baggage,jaeger', () => {
      const caller = propagation.extract(ROOT_CONTEXT, { baggage: 'User%20Id=alice,tenant=acme' });
      const onward = new Metadata();
      assert.doesNotThrow(() => injectIntoMetadata(onward, caller));
      assert.equal(onward.get('uberctx-tenant')[0], 'acme');
      assert.deepEqual(
        Object.keys(onward.getMap()).filter((key) => key.includes(' ')),
        [],
      );
    });
  });

  it("lets a propagator go through a bounded number of a request's headers", async () => {
    await withTelemetry('jaeger', () => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < 1_000; i++) headers[`uberctx-k${i}`] = 'x';
      const baggage = propagation.getBaggage(contextFromHeaders(headers));
      assert.ok((baggage?.getAllEntries().length ?? 0) <= 128, String(baggage?.getAllEntries().length));
    });
  });

  it("takes from a multiplexed call's start frame only the fields its own propagator reads", async () => {
    const frame = JSON.stringify({
      b3: 'b',
      'x-b3-traceid': 't',
      'uber-trace-id': 'u',
      baggage: 'k=v',
      Authorization: 'Bearer forged',
      authorization: 'Bearer forged',
      traceparent: TRACEPARENT,
      'x-other': 'o',
    });
    const read = (propagators: string | undefined, json = frame) =>
      withTelemetry(propagators, () => readTraceFields(json).map(([key]) => key));
    // The W3C pair has fields of its own in the frame; nothing else is read by default.
    assert.deepEqual(await read(undefined), []);
    assert.deepEqual(await read('b3'), ['b3']);
    assert.deepEqual(await read('b3multi,jaeger,baggage'), ['x-b3-traceid', 'uber-trace-id', 'baggage']);
    assert.deepEqual(await read('b3', JSON.stringify({ B3: 'upper case is the same header' })), ['b3']);
    // Not read at all: too many fields, too long, not an object of strings.
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`x-${i}`, 'v']));
    for (const json of [
      JSON.stringify({ ...many, b3: 'b' }),
      JSON.stringify({ b3: 'b'.repeat(5_000) }),
      '["b3"]',
      'b3',
      '{"b3": 1}',
    ])
      assert.deepEqual(await read('b3', json), [], json.slice(0, 40));
  });

  it('follows OTEL_PROPAGATORS when it is set', async () => {
    const { onward } = await withTelemetry('tracecontext,baggage', () => relay(callerMetadata()));
    assert.equal(onward.traceparent, TRACEPARENT);
    assert.equal(onward.baggage, 'user.id=alice,tenant=acme');
  });
});
