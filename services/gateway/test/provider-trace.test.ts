import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { echoTool } from '@mcp-fleet/sdk/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { propagation, SpanKind, type TextMapPropagator, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type Fleet, startFleet } from './support.js';

// Gateway and provider run in this process: both hops' spans land here.
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));

const lab = { name: 'lab', definitions: [echoTool] };

const PROPAGATORS: [string, () => TextMapPropagator][] = [
  ['W3C trace context', () => new W3CTraceContextPropagator()],
  ['B3, one header', () => new B3Propagator()],
  ['B3, multiple headers', () => new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER })],
  ['Jaeger', () => new JaegerPropagator()],
  [
    'B3 and W3C',
    () => new CompositePropagator({ propagators: [new B3Propagator(), new W3CTraceContextPropagator()] }),
  ],
];

/** The provider's SERVER span and the gateway's CLIENT span of its call to the provider. */
function hop(finished: ReadableSpan[]) {
  const provider = finished.find(
    (s) => s.kind === SpanKind.SERVER && s.attributes['rpc.service'] === 'mcpfleet.provider.v1.ToolProvider',
  );
  const client = finished.find((s) => s.kind === SpanKind.CLIENT && s.name.includes('ToolProvider'));
  return { provider, client };
}

/**
 * Whatever propagator the processes are configured with (OTEL_PROPAGATORS), the provider's span of
 * a call is the child of the gateway's span for it, on the multiplexed streams and on Call alike.
 */
for (const mux of ['on', 'off'] as const)
  describe(`the provider's span is the child of the gateway's call (provider mux ${mux})`, () => {
    let fleet: Fleet;
    let client: Client;
    before(async () => {
      fleet = await startFleet([lab], { MCPFLEET_PROVIDER_MUX: mux });
      client = new Client({ name: 'provider-trace-test', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(fleet.url)));
    });
    after(async () => {
      propagation.disable();
      await client?.close();
      await fleet?.close();
    });

    for (const [name, propagator] of PROPAGATORS)
      it(name, async () => {
        propagation.disable();
        propagation.setGlobalPropagator(propagator());
        spans.reset();
        const result = await client.callTool({ name: 'lab_echo', arguments: { text: 'traced' } });
        assert.equal(result.isError, undefined);
        const { provider, client: call } = hop(spans.getFinishedSpans());
        assert.ok(
          call,
          spans
            .getFinishedSpans()
            .map((s) => `${s.name} ${s.kind}`)
            .join(', '),
        );
        assert.ok(provider, 'the provider recorded its span');
        assert.equal(provider.spanContext().traceId, call.spanContext().traceId, 'one trace across the hop');
        assert.equal(provider.parentSpanContext?.spanId, call.spanContext().spanId);
        assert.equal(provider.attributes['rpc.method'], mux === 'on' ? 'CallBatches' : 'Call');
      });
  });
