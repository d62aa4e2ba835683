import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { contextFromMetadata, injectIntoMetadata, startTelemetry, traceHeaders } from '../src/telemetry.js';

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

describe('trace context propagation', () => {
  it('carries the W3C trace context and, by default, no baggage a caller sent', async () => {
    const stop = startTelemetry('propagation-test', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' });
    try {
      const { context, onward } = relay(callerMetadata());
      assert.equal(trace.getSpanContext(context)?.traceFlags, TraceFlags.SAMPLED);
      assert.equal(onward.traceparent, TRACEPARENT);
      // Baggage is the caller's data: a gateway never forwards it to providers unless told to.
      assert.equal(propagation.getBaggage(context), undefined);
      assert.equal(onward.baggage, undefined);
      const withBaggage = propagation.setBaggage(
        ROOT_CONTEXT,
        propagation.createBaggage({ 'user.id': { value: 'alice' } }),
      );
      assert.deepEqual(traceHeaders(withBaggage), {});
    } finally {
      await stop();
      // The SDK leaves its propagator registered: the next test starts it again with another.
      propagation.disable();
    }
  });

  it('follows OTEL_PROPAGATORS when it is set', async () => {
    process.env.OTEL_PROPAGATORS = 'tracecontext,baggage';
    const stop = startTelemetry('propagation-test', {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
      OTEL_PROPAGATORS: 'tracecontext,baggage',
    });
    try {
      const { onward } = relay(callerMetadata());
      assert.equal(onward.traceparent, TRACEPARENT);
      assert.equal(onward.baggage, 'user.id=alice,tenant=acme');
    } finally {
      delete process.env.OTEL_PROPAGATORS;
      await stop();
      propagation.disable();
    }
  });
});
