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
import { errorMessage } from './errors.js';
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

/** OTEL_BSP_* as the Node SDK reads them: its defaults when unset, zero or negative. */
export function batchSettingsFromEnv(): BatchSettings {
  const read = (name: string, fallback: number) => {
    const value = getNumberFromEnv(name);
    if (value === undefined) return fallback;
    if (value > 0) return value;
    diag.warn(`${name} (${value}) is invalid, expected a number greater than 0, using ${fallback}`);
    return fallback;
  };
  const maxQueueSize = read('OTEL_BSP_MAX_QUEUE_SIZE', 2048);
  return {
    maxQueueSize,
    // The SDK caps the batch at the queue, as a larger one could never fill.
    maxExportBatchSize: Math.min(read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512), maxQueueSize),
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
        // A scope whose only spans could not be written.
        if (group.writer.length === 0) continue;
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
  /** Spans waiting for an export, open or sealed (as in the SDK, not those being exported). */
  private queued = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The background export loop, one batch at a time, and the batch it is sending. */
  private exporting: Promise<void> | undefined;
  private inFlight: Promise<Error | undefined> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly delegate: IOtlpExportDelegate<EncodedSpans>,
    private readonly settings: BatchSettings = batchSettingsFromEnv(),
  ) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopping || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
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
      // A time before 1970 or after 2106, say; the span's own fields are not echoed here.
      diag.warn(`a span was not exported: ${errorMessage(err)}`);
      return;
    }
    this.queued++;
    if (this.open.count >= this.settings.maxExportBatchSize) {
      this.seal();
      this.exportInBackground();
    } else this.arm();
  }

  /**
   * Starts the delay for a batch that is not full, unless an export is running: as in the SDK,
   * spans then gather until it ends, instead of being cut into a small batch per delay.
   */
  private arm(): void {
    if (this.timer !== undefined || this.exporting !== undefined || this.open.count === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.seal();
      this.exportInBackground();
    }, this.settings.scheduledDelayMillis);
    this.timer.unref();
  }

  /**
   * Exports every span ended so far, the waiting batches at once (so a collector that does not
   * answer costs one timeout, not one per batch), after the one being sent; rejects when one of
   * its own exports failed, as the SDK's does.
   */
  async forceFlush(): Promise<void> {
    this.seal();
    const own = this.take(this.sealed.length).map((batch) => this.exportBatch(batch));
    await this.inFlight;
    const failed = (await Promise.all(own)).find((error) => error !== undefined);
    if (failed !== undefined) throw failed;
  }

  shutdown(): Promise<void> {
    this.stopping ??= this.forceFlush().finally(() => this.delegate.shutdown());
    return this.stopping;
  }

  private seal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.count === 0) return;
    this.sealed.push(this.open);
    this.open = new Batch();
  }

  /** Up to `count` sealed batches, no longer counted as waiting. */
  private take(count: number): Batch[] {
    const batches = this.sealed.splice(0, count);
    for (const batch of batches) this.queued -= batch.count;
    return batches;
  }

  /** Exports the sealed batches one at a time, as the SDK's processor does between flushes. */
  private exportInBackground(): void {
    if (this.exporting !== undefined) return;
    this.exporting = (async () => {
      for (let [batch] = this.take(1); batch !== undefined; [batch] = this.take(1)) {
        this.inFlight = this.exportBatch(batch);
        const failed = await this.inFlight;
        if (failed !== undefined) globalErrorHandler(failed);
      }
    })().finally(() => {
      this.exporting = undefined;
      this.inFlight = undefined;
      // Sealed while the last export was settling, or gathered while it ran.
      if (this.sealed.length > 0) this.exportInBackground();
      else this.arm();
    });
  }

  /** The batch exported, or why not. */
  private async exportBatch(batch: Batch): Promise<Error | undefined> {
    try {
      await this.send(batch);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err : new Error(errorMessage(err));
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
