import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { writeRequest, writeSpan } from '../src/otlp-spans.js';
import { ProtobufWriter } from '../src/protobuf-writer.js';
import { batchSettingsFromEnv, OtlpBytesSpanProcessor, otlpGrpcTraceDelegate } from '../src/span-export.js';

const PROTO = join(
  fileURLToPath(new URL('../../../../', import.meta.url)),
  'test/observability/otlp-trace.proto',
);
const definition = protoLoader.loadSync(PROTO, {
  keepCase: false,
  longs: String,
  defaults: true,
  oneofs: true,
});
const exportMethod = (
  definition['opentelemetry.proto.collector.trace.v1.TraceService'] as grpc.ServiceDefinition
).Export as grpc.MethodDefinition<DecodedRequest, unknown>;
const decode = (bytes: Uint8Array) => exportMethod.requestDeserialize(Buffer.from(bytes));

interface DecodedSpan {
  name: string;
  traceId: Buffer;
  attributes: { key: string }[];
}
interface DecodedRequest {
  resourceSpans: { resource: { attributes: { key: string }[] }; scopeSpans: { spans: DecodedSpan[] }[] }[];
}

const resource = resourceFromAttributes({ 'service.name': 'span-export-test', 'host.cores': 2 });

/** Spans made and ended by the SDK itself, handed to `processor` as the fleet's processes do. */
function sdkTracer(processor: SpanProcessor) {
  return new BasicTracerProvider({ resource, spanProcessors: [processor] }).getTracer('mcp-fleet', '1.2.3');
}

/** Every shape a span can take: remote parent with trace state, all attribute kinds, events, links, errors. */
function variedSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const tracer = sdkTracer(new SimpleSpanProcessor(memory));
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=a,other=b'),
  });
  const long = 'ü€𝄞x'.repeat(5000);
  const first = tracer.startSpan('tools/call échō', { kind: SpanKind.SERVER }, parent);
  first.setAttributes({
    'mcp.method.name': 'tools/call',
    count: 42,
    negative: -7,
    huge: 2 ** 60,
    hugeNegative: -(2 ** 62) - 4096,
    ratio: 0.25,
    ok: true,
    tags: ['a', 'b'],
    flags: [true, false],
    numbers: [1, 2.5, -3],
    sparse: ['x', null as unknown as string, 'y'],
    long,
  });
  first.addEvent('retry', { attempt: 2 }, [1_764_000_000, 999_999_999]);
  first.addEvent('with a hole', { gone: undefined, kept: 'x' });
  first.addLink({
    context: trace.getSpanContext(parent) ?? assert.fail('no parent'),
    attributes: { why: 'x' },
  });
  first.setStatus({ code: SpanStatusCode.ERROR, message: `tool failed: ${long.slice(0, 300)}` });
  first.end();
  const child = tracer.startSpan('db', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, first));
  child.setStatus({ code: SpanStatusCode.OK });
  child.end([4_000_000_000, 1]);
  tracer.startSpan('root, internal').end();
  // What untyped provider code can hand the API, which passes it on unchecked.
  const odd = tracer.startSpan('odd kind', { kind: -2 as SpanKind });
  odd.setStatus({ code: -1 as SpanStatusCode });
  odd.end();
  tracer.startSpan(404 as unknown as string).end();
  return memory.getFinishedSpans();
}

function ours(spans: ReadableSpan[]): Uint8Array {
  const group = new ProtobufWriter(64);
  for (const span of spans) writeSpan(group, span);
  const request = new ProtobufWriter(16);
  const scope = spans[0]?.instrumentationScope ?? assert.fail('no spans');
  writeRequest(request, [{ resource, scope, spans: group.view() }]);
  return request.view();
}

describe('spans written as OTLP bytes when they end', () => {
  it('decodes to exactly what the SDK serializer sends, for every shape of span', () => {
    const spans = variedSpans();
    const theirs = ProtobufTraceSerializer.serializeRequest(spans) ?? assert.fail('nothing serialised');
    const decoded = decode(ours(spans));
    assert.deepEqual(decoded, decode(theirs));
    const first = decoded.resourceSpans[0]?.scopeSpans[0]?.spans[0] ?? assert.fail('no span');
    assert.equal(first.name, 'tools/call échō');
    assert.equal(first.attributes.length, 12);
  });

  it('writes times past 2^53 nanoseconds exactly', () => {
    const w = new ProtobufWriter(16);
    const cases: [number, number][] = [
      [0, 0],
      [1, 999_999_999],
      [1_764_000_000, 123_456_789],
      [0xffff, 999_999_999],
      [0x10000, 0],
      [0xffffffff, 999_999_999],
    ];
    for (let i = 0; i < 1000; i++)
      cases.push([Math.floor(Math.random() * 0x100000000), Math.floor(Math.random() * 1e9)]);
    for (const [seconds, nanos] of cases) {
      w.truncate();
      w.hrTime(1, [seconds, nanos]);
      const written = w.view().readBigUInt64LE(1);
      assert.equal(written, BigInt(seconds) * 1_000_000_000n + BigInt(nanos), `${seconds} ${nanos}`);
    }
  });

  it('reads OTEL_BSP_* as the Node SDK does: zero or negative is the default', () => {
    const names = ['MAX_QUEUE_SIZE', 'MAX_EXPORT_BATCH_SIZE', 'SCHEDULE_DELAY', 'EXPORT_TIMEOUT'].map(
      (n) => `OTEL_BSP_${n}`,
    );
    const saved = names.map((name) => process.env[name]);
    const set = (values: (string | undefined)[]) =>
      names.forEach((name, i) => {
        const value = values[i];
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      });
    try {
      const defaults = {
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 5000,
        exportTimeoutMillis: 30000,
      };
      set([undefined, undefined, undefined, undefined]);
      assert.deepEqual(batchSettingsFromEnv(), defaults);
      set(['0', '0', '0', '0']);
      assert.deepEqual(batchSettingsFromEnv(), defaults);
      set(['-1', '-5', '-100', '-1']);
      assert.deepEqual(batchSettingsFromEnv(), defaults);
      // A batch larger than the queue could never fill: capped to it.
      set(['100', '200', '250', '1000']);
      assert.deepEqual(batchSettingsFromEnv(), {
        maxQueueSize: 100,
        maxExportBatchSize: 100,
        scheduledDelayMillis: 250,
        exportTimeoutMillis: 1000,
      });
    } finally {
      set(saved);
    }
  });

  it('keeps lengths right when an id is not hex', () => {
    const w = new ProtobufWriter(16);
    w.hexBytes(1, '00f0zz7aa0ba902b');
    assert.deepEqual([...w.view()], [0x0a, 8, 0x00, 0xf0, 0, 0, 0, 0, 0, 0]);
  });
});

/** A real OTLP/gRPC receiver; `hold` keeps its answers back until released. */
async function receiver() {
  const requests: DecodedRequest[] = [];
  const held: (() => void)[] = [];
  const state = { hold: false };
  const server = new grpc.Server();
  server.addService(
    { Export: exportMethod },
    {
      Export(call: grpc.ServerUnaryCall<DecodedRequest, unknown>, done: grpc.sendUnaryData<unknown>) {
        requests.push(call.request);
        const answer = () => done(null, {});
        if (state.hold) held.push(answer);
        else answer();
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  const names = () =>
    requests.flatMap((r) =>
      r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))),
    );
  const release = () => {
    state.hold = false;
    for (const answer of held.splice(0)) answer();
  };
  return { port, requests, names, state, release, stop: () => server.forceShutdown() };
}

const until = async (what: () => boolean, label: string) => {
  for (let waited = 0; !what(); waited += 10) {
    if (waited > 10_000) assert.fail(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('the processor against a real OTLP/gRPC receiver', () => {
  let sink: Awaited<ReturnType<typeof receiver>>;
  const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  before(async () => {
    sink = await receiver();
    // The exporter's transport reads its endpoint as exporter-trace-otlp-grpc does, from OTEL_*.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${sink.port}`;
  });
  after(() => {
    sink.stop();
    if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
  });

  const settings = {
    maxQueueSize: 5,
    maxExportBatchSize: 3,
    scheduledDelayMillis: 100,
    exportTimeoutMillis: 5000,
  };

  /** A processor of its own against the receiver, emptied; `hold` keeps its answers back. */
  const fresh = (hold: boolean, overrides: Partial<typeof settings> = {}) => {
    sink.requests.length = 0;
    sink.state.hold = hold;
    const processor = new OtlpBytesSpanProcessor(otlpGrpcTraceDelegate(), { ...settings, ...overrides });
    return { processor, tracer: sdkTracer(processor) };
  };

  it('sends full batches at once, the rest after the delay, and only sampled spans', async () => {
    const { processor, tracer } = fresh(false);
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
    });
    for (let i = 0; i < 4; i++) {
      tracer.startSpan(`s${i}`).end();
      tracer.startSpan(`not sampled ${i}`, {}, unsampled).end();
    }
    await until(() => sink.requests.length === 2, 'the delayed batch');
    assert.deepEqual(sink.names(), ['s0', 's1', 's2', 's3']);
    assert.equal(sink.requests[0]?.resourceSpans[0]?.resource.attributes[0]?.key, 'service.name');
    await processor.shutdown();
  });

  it('drops spans past the queue while an export is answered late, and recovers', async () => {
    const { processor, tracer } = fresh(true);
    for (let i = 0; i < 20; i++) tracer.startSpan(`q${i}`).end();
    await until(() => sink.requests.length === 1, 'the first batch');
    sink.release();
    await processor.forceFlush();
    // Three being sent, five more waiting (the queue counts those, as the SDK's): twelve were past it.
    assert.deepEqual(sink.names(), ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7']);
    tracer.startSpan('after').end();
    await processor.forceFlush();
    assert.deepEqual(sink.names().at(-1), 'after');
    await processor.shutdown();
    tracer.startSpan('after shutdown').end();
    await processor.forceFlush();
    assert.equal(sink.names().includes('after shutdown'), false);
  });

  it('leaves out a span it cannot write, whole, and sends the others', async () => {
    const { processor } = fresh(false);
    const memory = new InMemorySpanExporter();
    const tracer = sdkTracer(new SimpleSpanProcessor(memory));
    for (const name of ['good', 'bad', 'also good'])
      tracer.startSpan(name).setAttribute('k', 'v'.repeat(200)).end();
    const [good, bad, alsoGood] = memory.getFinishedSpans();
    assert.ok(good && bad && alsoGood);
    processor.onEnd(good);
    // Written as far as its end time (ids, name, start), then refused: nothing of it may stay.
    processor.onEnd(Object.assign(Object.create(bad), { endTime: [-1, 0] }));
    processor.onEnd(alsoGood);
    await processor.forceFlush();
    assert.deepEqual(sink.names(), ['good', 'also good']);
    await processor.shutdown();
  });

  it('gathers the spans that end during a slow export into one batch, as the SDK does', async () => {
    const { processor, tracer } = fresh(true, {
      maxQueueSize: 50,
      maxExportBatchSize: 20,
    });
    tracer.startSpan('first').end();
    await until(() => sink.requests.length === 1, 'the first batch');
    // Several delays pass while the collector has not answered: no batch is cut per delay.
    for (let i = 0; i < 10; i++) {
      tracer.startSpan(`later ${i}`).end();
      await new Promise((resolve) => setTimeout(resolve, settings.scheduledDelayMillis / 3));
    }
    sink.release();
    await until(() => sink.requests.length === 2, 'the gathered batch');
    await processor.shutdown();
    assert.equal(sink.requests.length, 2);
    assert.equal(sink.names().length, 11);
  });

  it('sends the waiting batches of a flush at once, so an unanswering collector costs one timeout', async () => {
    const { processor, tracer } = fresh(true, {
      maxQueueSize: 8,
      maxExportBatchSize: 2,
    });
    for (let i = 0; i < 8; i++) tracer.startSpan(`b${i}`).end();
    const stopping = processor.shutdown();
    assert.equal(processor.shutdown(), stopping);
    // Every batch reaches the collector before it has answered any.
    await until(() => sink.requests.length === 4, 'four batches in flight together');
    sink.release();
    await stopping;
    assert.deepEqual(sink.names().sort(), ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7']);
  });

  it('fails a flush whose export timed out, and keeps exporting after', async () => {
    const { processor, tracer } = fresh(true, {
      exportTimeoutMillis: 200,
    });
    tracer.startSpan('lost').end();
    await assert.rejects(processor.forceFlush(), /Timeout/);
    sink.release();
    tracer.startSpan('kept').end();
    await processor.forceFlush();
    assert.deepEqual(sink.names(), ['lost', 'kept']);
    await processor.shutdown();
  });
});
