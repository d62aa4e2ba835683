import type { Attributes, Link, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { ProtobufWriter } from './protobuf-writer.js';

/**
 * OTLP's trace messages (opentelemetry/proto/trace/v1/trace.proto and its collector request),
 * written straight from the SDK's finished spans: a span becomes bytes when it ends, so no span
 * object waits in a queue for the next export (they outlived young-generation collections and
 * were promoted) and no intermediate OTLP object tree is built and walked again at export.
 */

/** OTLP span flags: the W3C trace flags, and whether the parent's remoteness is known and true. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function spanFlags(context: SpanContext, parentRemote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | HAS_IS_REMOTE | (parentRemote ? IS_REMOTE : 0);
}

/** int64's range: integral numbers inside it are sent as integers, as the SDK's serializer does. */
const INT64_MIN = -(2 ** 63);
const INT64_END = 2 ** 63;

/** An AnyValue's fields for an attribute value; none (an empty AnyValue) for null, undefined and what an attribute cannot hold. */
function anyValue(w: ProtobufWriter, value: unknown): void {
  if (typeof value === 'string') w.string(1, value);
  else if (typeof value === 'boolean') w.bool(2, value);
  else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT64_MIN && value < INT64_END) w.int64(3, value);
    else w.double(4, value);
  } else if (value instanceof Uint8Array) w.bytes(7, value);
  else if (Array.isArray(value)) {
    const array = w.open(5);
    for (const item of value) {
      const entry = w.open(1);
      anyValue(w, item);
      w.close(entry);
    }
    w.close(array);
  }
}

/**
 * Repeated KeyValue at `field`, one per own key (an undefined value is an empty AnyValue, as the
 * SDK's serializer sends it; event and link attributes are not cleaned as a span's are).
 */
function attributes(w: ProtobufWriter, field: number, list: Attributes | undefined): void {
  if (list === undefined) return;
  for (const key of Object.keys(list)) {
    const pair = w.open(field);
    w.string(1, key);
    const any = w.open(2);
    anyValue(w, list[key]);
    w.close(any);
    w.close(pair);
  }
}

function event(w: ProtobufWriter, item: TimedEvent): void {
  const at = w.open(11);
  w.hrTime(1, item.time);
  w.string(2, item.name);
  attributes(w, 3, item.attributes);
  if (item.droppedAttributesCount) w.uint(4, item.droppedAttributesCount);
  w.close(at);
}

function link(w: ProtobufWriter, item: Link): void {
  const at = w.open(13);
  w.hexBytes(1, item.context.traceId);
  w.hexBytes(2, item.context.spanId);
  const state = item.context.traceState?.serialize();
  if (state) w.string(3, state);
  attributes(w, 4, item.attributes);
  if (item.droppedAttributesCount) w.uint(5, item.droppedAttributesCount);
  w.fixed32(6, spanFlags(item.context, item.context.isRemote));
  w.close(at);
}

/** One finished span, as ScopeSpans.spans (field 2) of the scope it belongs to. */
export function writeSpan(w: ProtobufWriter, span: ReadableSpan): void {
  const at = w.open(2);
  const context = span.spanContext();
  w.hexBytes(1, context.traceId);
  w.hexBytes(2, context.spanId);
  const state = context.traceState?.serialize();
  if (state) w.string(3, state);
  const parent = span.parentSpanContext;
  if (parent?.spanId) w.hexBytes(4, parent.spanId);
  w.string(5, span.name);
  // The API's kinds start at INTERNAL = 0; OTLP keeps 0 for "unspecified". Enums are int32 on the
  // wire: whatever a provider's code passed, this stays one valid varint.
  w.int64(6, (span.kind + 1) | 0);
  w.hrTime(7, span.startTime);
  w.hrTime(8, span.endTime);
  attributes(w, 9, span.attributes);
  if (span.droppedAttributesCount) w.uint(10, span.droppedAttributesCount);
  for (const item of span.events) event(w, item);
  if (span.droppedEventsCount) w.uint(12, span.droppedEventsCount);
  for (const item of span.links) link(w, item);
  if (span.droppedLinksCount) w.uint(14, span.droppedLinksCount);
  // Written even when unset, as the SDK's serializer does: both send the same message.
  const { code, message } = span.status;
  const status = w.open(15);
  if (message) w.string(2, message);
  if (code) w.int64(3, code | 0);
  w.close(status);
  w.fixed32(16, spanFlags(context, parent?.isRemote));
  w.close(at);
}

/** The spans of one resource and scope, already written by `writeSpan`. */
export interface SpanGroup {
  resource: Resource;
  scope: InstrumentationScope;
  spans: Uint8Array;
}

/**
 * An ExportTraceServiceRequest of the groups, one ResourceSpans each (a process has one resource
 * and, here, one scope: nothing is gained by merging). The resource's async attributes must have
 * settled.
 */
export function writeRequest(w: ProtobufWriter, groups: readonly SpanGroup[]): void {
  for (const { resource, scope, spans } of groups) {
    const resourceSpans = w.open(1);
    const resourceAt = w.open(1);
    attributes(w, 1, resource.attributes);
    w.close(resourceAt);
    const scopeSpans = w.open(2);
    const scopeAt = w.open(1);
    w.string(1, scope.name);
    if (scope.version) w.string(2, scope.version);
    w.close(scopeAt);
    w.append(spans);
    if (scope.schemaUrl) w.string(3, scope.schemaUrl);
    w.close(scopeSpans);
    if (resource.schemaUrl) w.string(3, resource.schemaUrl);
    w.close(resourceSpans);
  }
}
