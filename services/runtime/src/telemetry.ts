import type { Metadata } from '@grpc/grpc-js';
import {
  type Attributes,
  type Context,
  type ContextManager,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { isTracingSuppressed, W3CTraceContextPropagator } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { Logger } from 'pino';
import { setIfCarried } from './metadata.js';
import { ParentBasedSampling, parentBasedRatio } from './sampling.js';
import { OtlpBytesSpanProcessor, otlpGrpcTraceDelegate } from './span-export.js';
import { formatTraceparent, hasTraceIds, parseRemoteSpan } from './traceparent.js';

export { DEFAULT_RATIO } from './sampling.js';
export { hasTraceIds } from './traceparent.js';

export { type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace };

/**
 * Tracing for every MCP Fleet process, configured by the standard OTEL_* variables (endpoint,
 * service name, sampler, resource attributes). Without an OTLP endpoint nothing is started and
 * every span is a no-op. Spans are made by hand where they matter — no auto-instrumentation,
 * which would cost most of the throughput.
 */
export function startTelemetry(
  serviceName: string,
  env: Record<string, string | undefined> = process.env,
): (logger?: Pick<Logger, 'warn'>) => Promise<void> {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none')
    return async () => {};
  // Unless OTEL_TRACES_SAMPLER names another: follow the caller's decision, and start a trace for
  // DEFAULT_RATIO of the requests that arrive without one (tracing all costs ~30 % CPU).
  const ratio = parentBasedRatio(env);
  const own = ratio === undefined ? undefined : new ParentBasedSampling(ratio);
  const w3c = !env.OTEL_PROPAGATORS?.trim();
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? serviceName,
    contextManager: new ExplicitContextManager(),
    // OTLP/gRPC as exporter-trace-otlp-grpc sends it, each span written as bytes when it ends.
    spanProcessors: [new OtlpBytesSpanProcessor(otlpGrpcTraceDelegate())],
    ...(own ? { sampler: own.sampler, idGenerator: own.idGenerator } : {}),
    // The W3C trace context only, unless OTEL_PROPAGATORS names more: the SDK's default adds
    // baggage, which is the caller's data (a gateway would hand it to every provider) and costs
    // a header parse on every call.
    ...(w3c ? { textMapPropagator: new W3CTraceContextPropagator() } : {}),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  sampling = own;
  w3cOnly = w3c;
  return async (logger) => {
    if (sampling === own) sampling = undefined;
    w3cOnly = false;
    // A collector gone at shutdown loses the spans still queued; the drain itself did not fail.
    await sdk
      .shutdown()
      .catch((err: unknown) =>
        logger?.warn({ problem: (err as Error).message }, 'spans still queued at shutdown were not exported'),
      );
  };
}

/** Set while the SDK runs with a parent-based sampler: decides the spans it would not record. */
let sampling: ParentBasedSampling | undefined;
/**
 * Set while the SDK runs with the W3C propagator alone: trace headers are then read and written
 * by traceparent.ts, not through the propagation API, which on every call looks up the global
 * propagator, goes through a getter and setter, and checks both ids by regular expression.
 */
let w3cOnly = false;

/** Every span of the fleet starts here: a non-recording one without the SDK when not sampled. */
export function startSpan(name: string, options: SpanOptions, parent: Context): Span {
  const make = () => tracer().startSpan(name, options, parent);
  return sampling ? sampling.start(parent, make) : make();
}

export const tracer = () => trace.getTracer('mcp-fleet');

/**
 * Spans are parented explicitly (the context travels in our own call contexts), so no context is
 * kept across awaits: on Node 20 the AsyncLocalStorage context manager alone cost ~15 % of the
 * gateway's throughput, tracing on or off.
 */
class ExplicitContextManager implements ContextManager {
  active(): Context {
    return ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    _context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return fn.call(thisArg, ...args);
  }
  bind<T>(_context: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

/**
 * A child span of `parent`, and the context that carries it to the next hop. Its attributes are
 * set only when it records (see startMcpSpan).
 */
export function childSpan(
  name: string,
  parent: Context,
  kind: SpanKind,
  attributes: Attributes,
): { span: Span; context: Context } {
  const span = startSpan(name, { kind }, parent);
  if (span.isRecording()) span.setAttributes(attributes);
  return { span, context: trace.setSpan(parent, span) };
}

/**
 * How many of a carrier's keys a propagator may go through. Jaeger's and OT's baggage read every
 * key with their prefix and copy all the baggage so far for each: a request's thousand headers
 * cost ~80 ms of the event loop. The W3C headers are looked up by name, whatever their place.
 */
const MAX_CARRIER_KEYS = 128;

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()).slice(0, MAX_CARRIER_KEYS),
  get: (carrier, key) => {
    const value = carrier.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * Writes what a propagator injects, but never the identity token's key, and leaves out what gRPC
 * metadata cannot carry (a key or value outside its characters, from the caller's baggage say):
 * grpc-js throws on it, and a throw here would fail the call, or the process where no one catches.
 */
const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => {
    // Not carried: the next hop sees the trace without this header.
    if (key.toLowerCase() !== 'authorization') setIfCarried(carrier, key, value);
  },
};

const headersGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys: (carrier) => Object.keys(carrier).slice(0, MAX_CARRIER_KEYS),
  get: (carrier, key) => carrier[key],
};

/**
 * A context extracted by the configured propagators, its ids in lower case as W3C writes them (and
 * as every later check of this fleet expects), or without its span when they are not hex: the W3C
 * propagator checks ids, others (Jaeger, B3) pass a caller's text through, and what passes here
 * becomes the request's trace id in the audit and the next hop's headers.
 */
function checked(extracted: Context): Context {
  const span = trace.getSpanContext(extracted);
  if (span === undefined) return extracted;
  const traceId = span.traceId.toLowerCase();
  const spanId = span.spanId.toLowerCase();
  const lower = { ...span, traceId, spanId };
  if (!trace.isSpanContextValid(lower)) return trace.deleteSpan(extracted);
  return traceId === span.traceId && spanId === span.spanId
    ? extracted
    : trace.setSpanContext(extracted, lower);
}

/** The caller's trace context from gRPC metadata (traceparent, tracestate). */
export function contextFromMetadata(metadata: Metadata): Context {
  if (!w3cOnly) return checked(propagation.extract(ROOT_CONTEXT, metadata, metadataGetter));
  return remoteContext(metadata.get('traceparent')[0], metadata.get('tracestate')[0]);
}

/**
 * The caller's trace context from HTTP request headers (Streamable HTTP, SSE, the WebSocket
 * upgrade): the first traceparent, and every tracestate joined, as the W3C propagator reads them.
 */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>): Context {
  if (!w3cOnly) return checked(propagation.extract(ROOT_CONTEXT, headers, headersGetter));
  const { traceparent, tracestate } = headers;
  return remoteContext(
    Array.isArray(traceparent) ? traceparent[0] : traceparent,
    Array.isArray(tracestate) ? tracestate.join(',') : tracestate,
  );
}

/** A context whose span is the remote one the headers name, or the root when they name none. */
function remoteContext(traceparent: unknown, tracestate: unknown): Context {
  const span = parseRemoteSpan(traceparent, tracestate);
  return span ? trace.setSpanContext(ROOT_CONTEXT, span) : ROOT_CONTEXT;
}

/**
 * W3C Trace Context's sizes: a version-00 traceparent is 55 characters (later versions may add
 * fields), and a tracestate need not be kept past 512. A message's `_meta` can hold megabytes; the
 * propagator would parse every member of a longer tracestate.
 */
const MAX_TRACEPARENT = 256;
const MAX_TRACESTATE = 512;

/**
 * The caller's trace context from a message's `params._meta` (traceparent, tracestate), or
 * undefined when it carries none usable: only strings within the W3C sizes are read, a tracestate
 * past them is dropped (the trace itself is kept), and nothing else of `_meta` is looked at.
 */
export function contextFromMeta(meta: unknown): Context | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const { traceparent, tracestate } = meta as { traceparent?: unknown; tracestate?: unknown };
  if (typeof traceparent !== 'string' || traceparent.length > MAX_TRACEPARENT) return undefined;
  const carrier: Record<string, string> = { traceparent };
  if (typeof tracestate === 'string' && tracestate.length <= MAX_TRACESTATE) carrier.tracestate = tracestate;
  return w3cOnly
    ? remoteContext(carrier.traceparent, carrier.tracestate)
    : checked(propagation.extract(ROOT_CONTEXT, carrier));
}

/** A start frame's trace fields past these are not read: a propagator's are a few short headers. */
const MAX_TRACE_FIELDS_CHARS = 4096;
const MAX_TRACE_FIELDS = 16;

/**
 * The fields of a multiplexed call's start frame (`trace_fields`, a JSON object) that this
 * process's propagator reads (OTEL_PROPAGATORS), to put into the call's metadata: never the W3C
 * pair, which the frame carries on fields of its own, nor the metadata the identity token owns.
 * Nothing in the default W3C-only mode; nothing from a value too large or not an object of strings.
 */
export function readTraceFields(json: string): [string, string][] {
  if (w3cOnly || json === '' || json.length > MAX_TRACE_FIELDS_CHARS) return [];
  let fields: unknown;
  try {
    fields = JSON.parse(json);
  } catch {
    return [];
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return [];
  const entries = Object.entries(fields);
  if (entries.length > MAX_TRACE_FIELDS) return [];
  const read = new Set(propagation.fields());
  return entries.flatMap(([key, value]): [string, string][] => {
    const name = key.toLowerCase();
    const own = name === 'traceparent' || name === 'tracestate' || name === 'authorization';
    return typeof value === 'string' && !own && read.has(name) ? [[name, value]] : [];
  });
}

/** Puts a trace context into outgoing gRPC metadata. */
export function injectIntoMetadata(metadata: Metadata, from: Context): void {
  if (w3cOnly) for (const [key, value] of Object.entries(w3cHeaders(from))) metadata.set(key, value);
  else propagation.inject(from, metadata, metadataSetter);
}

/** A trace context as W3C header values (traceparent, tracestate), for a carrier that is not metadata. */
export function traceHeaders(from: Context): Record<string, string> {
  if (w3cOnly) return w3cHeaders(from);
  const headers: Record<string, string> = {};
  propagation.inject(from, headers);
  return headers;
}

/** What the W3C propagator would inject for `from`. */
function w3cHeaders(from: Context): Record<string, string> {
  const span = trace.getSpanContext(from);
  if (span === undefined || !hasTraceIds(span) || isTracingSuppressed(from)) return {};
  const traceparent = formatTraceparent(span);
  return span.traceState ? { traceparent, tracestate: span.traceState.serialize() } : { traceparent };
}

/** Marks a span failed with an `error.type` (never the error's data: it may hold secrets). */
export function failSpan(span: Span, errorType: string, message: string): void {
  span.setAttribute('error.type', errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** The name or URI an MCP request is about (tool, prompt, resource), or empty. */
export function mcpTarget(params: Record<string, unknown>): string {
  return typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : '';
}

/**
 * The SERVER span of one MCP request, named `<method> <target>` with the OTel MCP/GenAI
 * attributes; `attributes` adds the hop's own (rpc.*, session, request id). Attributes are set
 * only on a span that records: most requests are not sampled, and the SDK checks and copies
 * attributes passed at the start whether or not it keeps the span (no sampler
 * OTEL_TRACES_SAMPLER can name reads them).
 */
export function startMcpSpan(
  method: string,
  params: Record<string, unknown>,
  parent: Context,
  attributes: Record<string, string>,
): Span {
  const target = mcpTarget(params);
  const span = startSpan(`${method} ${target}`.trim(), { kind: SpanKind.SERVER }, parent);
  if (span.isRecording())
    span.setAttributes({
      'mcp.method.name': method,
      ...(method === 'tools/call'
        ? { 'gen_ai.tool.name': target, 'gen_ai.operation.name': 'execute_tool' }
        : {}),
      ...attributes,
    });
  return span;
}
