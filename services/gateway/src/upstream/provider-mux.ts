import * as grpc from '@grpc/grpc-js';
import {
  type CallMuxClientBatch,
  type CallMuxClientFrame,
  type CallMuxServerBatch__Output,
  type CallMuxServerFrame__Output,
  FrameBatcher,
  type ToolProviderClient,
} from '@mcp-fleet/contract';
import { InflightTable } from '@mcp-fleet/runtime';
import { propagation, traceHeaders } from '@mcp-fleet/runtime/telemetry';
import type { RawJson } from '../protocol/messages.js';
import { type CallStatus, ProviderCallFrames, providerCallSpan, requestFrame } from './call-frames.js';
import { type ProviderCallRequest, streamProviderCall } from './provider-stream.js';

/**
 * CallBatches streams kept per provider channel. The channel balances round-robin per stream, so each
 * stream opens on the next ready subchannel: this many streams spread calls over up to this many
 * provider pods, and CALLS_PER_STREAM re-spreads them as pods come and go.
 */
const STREAMS_PER_PROVIDER = 4;
/** Calls in flight on one stream: the SDK's default limit; beyond it the pool opens another stream. */
const MAX_INFLIGHT_PER_STREAM = 256;
/**
 * Calls of one turn of the event loop that share a stream (and so a message); a burst beyond it
 * spreads over the next streams, and so over pods and under a provider's own per-stream limit.
 */
const CALLS_PER_TURN = 8;
/**
 * A stream carries this many calls, then takes no new ones and ends once idle: its successor is
 * placed by the balancer afresh, so new pods get their share.
 */
const CALLS_PER_STREAM = 10_000;
/**
 * How long a provider that answered CallBatches with UNIMPLEMENTED is served per-call Call before
 * CallBatches is tried again: an older provider upgraded in place (a rolling deploy) gets them within this.
 */
export const CALLS_RECHECK_MS = 60_000;

const OK: CallStatus = { code: grpc.status.OK, details: '' };

type CallBatchesStream = grpc.ClientDuplexStream<CallMuxClientBatch, CallMuxServerBatch__Output>;

/** One call in flight on a stream, as its stream sees it. */
interface MuxCall {
  onFrame(frame: CallMuxServerFrame__Output): void;
  /** The call ends with this status (the stream broke, or its deadline passed). */
  finish(status: CallStatus): void;
  /** The provider does not serve CallBatches: the call runs again on a Call stream of its own. */
  fallBack(): void;
}

/** One long-lived CallBatches stream and the calls it carries, keyed by call id. */
class MuxLink {
  private readonly calls = new InflightTable<MuxCall>();
  private readonly stream: CallBatchesStream;
  /** Frames of this turn of the event loop, sent as one message at its end. */
  private readonly outbox = new FrameBatcher<CallMuxClientFrame>((frames) => {
    if (this.stream.writable) this.stream.write({ frames });
  });
  /** Calls started in this turn of the event loop, whose frames wait for its end. */
  private turnCalls = 0;
  private nextId = 1;
  private answered = false;
  private closed = false;
  /** Takes no new calls: ended, broken, draining on the provider side, or worn out. */
  retired = false;

  constructor(
    private readonly client: ToolProviderClient,
    private readonly pool: MuxPool,
  ) {
    this.stream = client.CallBatches(new grpc.Metadata());
    this.stream.on('data', (batch: CallMuxServerBatch__Output) => {
      this.answered = true;
      for (const frame of batch.frames) this.calls.get(frame.callId)?.onFrame(frame);
    });
    // Every failure also arrives as the status.
    this.stream.on('error', () => {});
    this.stream.on('status', (status: grpc.StatusObject) => this.onStatus(status));
  }

  get hasRoom(): boolean {
    return !this.retired && this.calls.size < MAX_INFLIGHT_PER_STREAM;
  }

  /** A call started now would share this turn's message, which has room for it. */
  get filling(): boolean {
    return this.outbox.filling && this.turnCalls < CALLS_PER_TURN;
  }

  private onStatus(status: grpc.StatusObject): void {
    this.closed = true;
    this.retire();
    const calls = [...this.calls.values()];
    if (status.code === grpc.status.UNIMPLEMENTED && !this.answered) {
      this.pool.servesCallOnly();
      for (const call of calls) call.fallBack();
      return;
    }
    // A stream the provider ended cleanly (its drain) still leaves its unanswered calls unanswered.
    const ended =
      status.code === grpc.status.OK
        ? { code: grpc.status.UNAVAILABLE, details: 'the provider ended the calls stream' }
        : status;
    for (const call of calls) call.finish(ended);
  }

  /** No new calls; the stream ends once its calls have. */
  retire(): void {
    if (!this.retired) {
      this.retired = true;
      this.pool.forget(this);
    }
    if (this.calls.size === 0 && !this.closed && !this.stream.writableEnded) {
      this.outbox.flush();
      this.stream.end();
    }
  }

  private write(frame: CallMuxClientFrame): void {
    if (this.stream.writable) this.outbox.push(frame);
  }

  call(request: ProviderCallRequest): Promise<RawJson> {
    const id = this.nextId++;
    this.turnCalls = this.outbox.filling ? this.turnCalls + 1 : 1;
    const { span, context } = providerCallSpan(request, 'CallBatches');
    const frames = new ProviderCallFrames(request, span, (frame) => this.write({ callId: id, ...frame }));
    const cancel = (reason: string) => this.write({ callId: id, cancel: { reason } });
    const { cancellation } = request;
    let unsubscribe: (() => void) | undefined;
    return new Promise<RawJson>((resolve, reject) => {
      const onAbort = () => cancel(frames.cancelReason());
      const release = (): boolean => {
        if (this.calls.get(id) !== call) return false;
        this.calls.delete(id);
        clearTimeout(timer);
        unsubscribe?.();
        if (this.retired) this.retire();
        return true;
      };
      const finish = (status: CallStatus) => {
        if (release()) frames.settleInto(status, resolve, reject);
      };
      const call: MuxCall = {
        onFrame: (frame) => {
          if (frame.frame === 'end') {
            // A provider that drains refuses new calls: later calls go to a fresh stream.
            if (frame.end?.code === grpc.status.UNAVAILABLE) this.retire();
            return finish({
              code: frame.end?.code ?? grpc.status.UNKNOWN,
              details: frame.end?.details ?? '',
            });
          }
          frames.onFrame(frame);
          if (frame.frame === 'result' || frame.frame === 'error') finish(OK);
        },
        finish,
        fallBack: () => {
          release();
          span.end();
          // Called from the stream's status listener: a retry that throws at once (a closed
          // channel) fails this call, not the process.
          Promise.resolve(request)
            .then((retried) => streamProviderCall(this.client, retried))
            .then(resolve, reject);
        },
      };
      // The gateway keeps its own deadline: the provider's counts from a later moment.
      const timer = setTimeout(() => {
        if (this.calls.get(id) !== call) return;
        cancel('deadline exceeded');
        finish({ code: grpc.status.DEADLINE_EXCEEDED, details: 'deadline exceeded' });
      }, request.timeoutMs);
      this.calls.set(id, call);
      unsubscribe = cancellation.onAbort(onAbort);
      const trace = traceHeaders(context);
      this.write({
        callId: id,
        start: {
          request: requestFrame(request),
          identityToken: request.identityToken,
          traceparent: trace.traceparent ?? '',
          tracestate: trace.tracestate ?? '',
          traceFields: otherTraceFields(trace),
          timeoutMs: request.timeoutMs,
        },
      });
      if (cancellation.aborted) onAbort();
      // Worn out: this call is its last; the stream ends once its calls have.
      if (this.nextId > CALLS_PER_STREAM) this.retire();
    });
  }
}

/**
 * The trace headers besides the W3C pair, as JSON: those the propagators name (OTEL_PROPAGATORS),
 * the only ones a provider reads, so no baggage a propagator adds (`uberctx-*`) crowds them out of
 * the provider's limits. Empty in the default W3C-only mode.
 */
function otherTraceFields(headers: Record<string, string>): string {
  let others: Record<string, string> | undefined;
  let named: string[] | undefined;
  for (const key in headers) {
    if (key === 'traceparent' || key === 'tracestate') continue;
    named ??= propagation.fields();
    if (!named.includes(key)) continue;
    others ??= {};
    others[key] = headers[key] as string;
  }
  return others ? JSON.stringify(others) : '';
}

/** The CallBatches streams of one provider channel, opened lazily, and whether the provider serves them. */
class MuxPool {
  private links: MuxLink[] = [];
  private turn = 0;
  /** Until then (epoch ms) the provider is taken to serve Call only: it answered CallBatches UNIMPLEMENTED. */
  private callOnlyUntil = 0;

  constructor(private readonly client: ToolProviderClient) {}

  call(request: ProviderCallRequest): Promise<RawJson> {
    if (Date.now() < this.callOnlyUntil) return streamProviderCall(this.client, request);
    return this.pick().call(request);
  }

  /** The provider does not serve CallBatches (yet): per-call Call for a while. */
  servesCallOnly(): void {
    this.callOnlyUntil = Date.now() + CALLS_RECHECK_MS;
  }

  /** Takes no new calls on any stream; each ends once its calls have. */
  close(): void {
    for (const link of [...this.links]) link.retire();
  }

  forget(link: MuxLink): void {
    this.links = this.links.filter((l) => l !== link);
  }

  private open(): MuxLink {
    const link = new MuxLink(this.client, this);
    this.links.push(link);
    return link;
  }

  private pick(): MuxLink {
    // Calls of one turn go on one stream, in one message; the next turn's go on the next stream.
    const current = this.links[this.turn];
    if (current?.filling && current.hasRoom) return current;
    for (let tried = 0; tried < this.links.length && this.links.length >= STREAMS_PER_PROVIDER; tried++) {
      this.turn = (this.turn + 1) % this.links.length;
      const link = this.links[this.turn];
      if (link?.hasRoom) return link;
    }
    this.turn = this.links.length;
    return this.open();
  }
}

const pools = new WeakMap<ToolProviderClient, MuxPool>();

/**
 * Runs one MCP request on a provider: over the channel's shared CallBatches streams when `mux` is on
 * (per-call Call when the provider does not serve them), else over a Call stream of its own.
 */
export function providerCall(
  client: ToolProviderClient,
  request: ProviderCallRequest,
  mux: boolean,
): Promise<RawJson> {
  if (!mux) return streamProviderCall(client, request);
  let pool = pools.get(client);
  if (!pool) {
    pool = new MuxPool(client);
    pools.set(client, pool);
  }
  return pool.call(request);
}

/** The provider left the registry: its idle CallBatches streams end now, busy ones after their calls. */
export function closeProviderStreams(client: ToolProviderClient): void {
  pools.get(client)?.close();
  pools.delete(client);
}
