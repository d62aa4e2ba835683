import { diag, TraceFlags } from '@opentelemetry/api';
import {
  ExportResultCode,
  getNumberFromEnv,
  globalErrorHandler,
  type InstrumentationScope,
} from '@opentelemetry/core';
import type { IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyOtlpGrpcOptions,
  createOtlpGrpcExportDelegate,
} from '@opentelemetry/otlp-grpc-exporter-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type SpanGroup, writeRequest, writeSpan } from './otlp-spans.js';
import { ProtobufWriter } from './protobuf-writer.js';

/**
 * The fleet's span pipeline: the batching of the SDK's BatchSpanProcessor (its OTEL_BSP_*
 * settings, one export at a time, spans past the queue dropped), but each span is written as OTLP
 * bytes when it ends, and the export request is those bytes wrapped once. The transport is the
 * OTLP/gRPC exporter's own (exporter-trace-otlp-grpc is this delegate with the SDK's serializer),
 * so every OTEL_EXPORTER_OTLP_* setting (endpoint, headers, TLS, compression, timeout, retries)
 * applies unchanged. What it saves: queued span objects outlived young-generation collections
 * and were promoted, and the serializer built an OTLP object tree per batch and walked every
 * string twice.
 */

interface BatchSettings {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

/** OTEL_BSP_* as the SDK reads them (its defaults when unset or negative). */
export function batchSettingsFromEnv(): BatchSettings {
  const read = (name: string, fallback: number) => {
    const value = getNumberFromEnv(name);
    return value !== undefined && value >= 0 ? value : fallback;
  };
  const maxQueueSize = read('OTEL_BSP_MAX_QUEUE_SIZE', 2048);
  return {
    maxQueueSize,
    // The SDK caps the batch at the queue, as a larger one could never fill.
    maxExportBatchSize: Math.max(1, Math.min(read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512), maxQueueSize)),
    scheduledDelayMillis: read('OTEL_BSP_SCHEDULE_DELAY', 5000),
    exportTimeoutMillis: read('OTEL_BSP_EXPORT_TIMEOUT', 30000),
  };
}

/** What the exporter is handed: a whole request's bytes, and how many spans they hold. */
interface EncodedSpans {
  bytes: Uint8Array;
  length: number;
}

/** The OTLP/gRPC trace exporter's delegate, sending requests already in wire format. */
export function otlpGrpcTraceDelegate(): IOtlpExportDelegate<EncodedSpans> {
  return createOtlpGrpcExportDelegate(
    convertLegacyOtlpGrpcOptions({}, 'TRACES'),
    {
      serializeRequest: (request: EncodedSpans) => request.bytes,
      deserializeResponse: ProtobufTraceSerializer.deserializeResponse,
    },
    'otlp_grpc_span_exporter',
    { name: 'span', countItems: (request) => request.length },
    undefined,
    'TraceExportService',
    '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  );
}

/** One resource and scope's spans in a batch, written as they end. */
interface OpenGroup {
  resource: Resource;
  scope: InstrumentationScope;
  writer: ProtobufWriter;
}

/** The spans ended since the last batch was sealed, as bytes per resource and scope. */
class Batch {
  count = 0;
  private readonly groups = new Map<Resource, Map<string, OpenGroup>>();
  private last: OpenGroup | undefined;

  add(span: ReadableSpan): void {
    const { resource, instrumentationScope: scope } = span;
    const last = this.last;
    const writer =
      last !== undefined && last.resource === resource && last.scope === scope
        ? last.writer
        : this.groupOf(span).writer;
    const mark = writer.length;
    try {
      writeSpan(writer, span);
    } catch (err) {
      // A span that cannot be written is left out whole: half of one would spoil the request.
      writer.truncate(mark);
      throw err;
    }
    this.count++;
  }

  private groupOf({ resource, instrumentationScope: scope }: ReadableSpan): OpenGroup {
    let scopes = this.groups.get(resource);
    if (scopes === undefined) {
      scopes = new Map();
      this.groups.set(resource, scopes);
    }
    const key = `${scope.name}@${scope.version ?? ''}:${scope.schemaUrl ?? ''}`;
    let group = scopes.get(key);
    if (group === undefined) {
      group = { resource, scope, writer: new ProtobufWriter(16384) };
      scopes.set(key, group);
    }
    this.last = group;
    return group;
  }

  /** The request's bytes, once every resource's async attributes have settled. */
  async encode(): Promise<EncodedSpans> {
    const groups: SpanGroup[] = [];
    let size = 0;
    for (const [resource, scopes] of this.groups) {
      if (resource.asyncAttributesPending) await resource.waitForAsyncAttributes?.();
      for (const group of scopes.values()) {
        groups.push({ resource, scope: group.scope, spans: group.writer.view() });
        size += group.writer.length;
      }
    }
    const request = new ProtobufWriter(size + 1024);
    writeRequest(request, groups);
    return { bytes: request.view(), length: this.count };
  }
}

export class OtlpBytesSpanProcessor implements SpanProcessor {
  private open = new Batch();
  private readonly sealed: Batch[] = [];
  /** Spans ended and not yet exported or failed: the open batch and the sealed ones. */
  private queued = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  /** The last failed export, for a flush to report what failed while it waited. */
  private failure: { error: Error; seq: number } | undefined;
  private shut = false;

  constructor(
    private readonly delegate: IOtlpExportDelegate<EncodedSpans>,
    private readonly settings: BatchSettings = batchSettingsFromEnv(),
  ) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.shut || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queued >= this.settings.maxQueueSize) {
      this.dropped++;
      return;
    }
    if (this.dropped > 0) {
      diag.warn(`Dropped ${this.dropped} spans because maxQueueSize was reached`);
      this.dropped = 0;
    }
    try {
      this.open.add(span);
    } catch (err) {
      diag.warn(`span ${span.name} was not exported: ${(err as Error).message}`);
      return;
    }
    this.queued++;
    if (this.open.count >= this.settings.maxExportBatchSize) {
      this.seal();
      void this.kick();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.seal();
        void this.kick();
      }, this.settings.scheduledDelayMillis);
      this.timer.unref();
    }
  }

  /** Exports every span ended so far; rejects when one of those exports failed (as the SDK's does). */
  async forceFlush(): Promise<void> {
    const before = this.failure?.seq ?? 0;
    this.seal();
    while (this.sealed.length > 0 || this.draining !== undefined) await this.kick();
    if (this.failure !== undefined && this.failure.seq !== before) throw this.failure.error;
  }

  async shutdown(): Promise<void> {
    if (this.shut) return;
    this.shut = true;
    await this.forceFlush();
    await this.delegate.shutdown();
  }

  private seal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.count === 0) return;
    this.sealed.push(this.open);
    this.open = new Batch();
  }

  /** Exports the sealed batches one at a time (as the SDK's processor does), starting if idle. */
  private kick(): Promise<void> {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      // Sealed while the last export was settling.
      if (this.sealed.length > 0) void this.kick();
    });
    return this.draining;
  }

  private async drain(): Promise<void> {
    for (let batch = this.sealed.shift(); batch !== undefined; batch = this.sealed.shift()) {
      try {
        await this.send(batch);
      } catch (err) {
        this.failure = { error: err as Error, seq: (this.failure?.seq ?? 0) + 1 };
        globalErrorHandler(err as Error);
      } finally {
        this.queued -= batch.count;
      }
    }
  }

  /** Encodes and exports one batch, failing it after the export timeout (a resource that never settles included). */
  private send(batch: Batch): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Timeout')), this.settings.exportTimeoutMillis);
      const fail = (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      };
      batch
        .encode()
        .then((request) =>
          this.delegate.export(request, (result) => {
            if (result.code !== ExportResultCode.SUCCESS)
              return fail(result.error ?? new Error('span export failed'));
            clearTimeout(timer);
            resolve();
          }),
        )
        .catch(fail);
    });
  }
}
