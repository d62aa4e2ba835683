import * as grpc from '@grpc/grpc-js';
import {
  type CallMuxClientBatch__Output,
  type CallMuxClientFrame__Output,
  type CallMuxServerBatch,
  type CallMuxServerFrame,
  type CallServerFrame,
  FrameBatcher,
  refusalOf,
} from '@mcp-fleet/contract';
import { InflightTable, readTraceFields, setIfCarried } from '@mcp-fleet/runtime';
import { type CallEnvironment, type CallPort, CallRun, type StreamStatus } from './call.js';

export type CallBatchesStream = grpc.ServerDuplexStream<CallMuxClientBatch__Output, CallMuxServerBatch>;

export interface MuxEnvironment extends CallEnvironment {
  /** Calls in flight on one stream; a start beyond it ends that call with RESOURCE_EXHAUSTED. */
  maxCallsPerStream: number;
  /** Each call's end, so a drain waits for the calls of every stream. */
  track: (done: Promise<void>) => void;
  /** True once the provider drains: new calls are refused as on Call. */
  draining: () => boolean;
}

type CallStart = NonNullable<CallMuxClientFrame__Output['start']>;

/** One call of a CallBatches stream, and the timer of its deadline. */
interface MuxEntry {
  run: CallRun;
  timer?: NodeJS.Timeout;
}

/**
 * Serves one CallBatches stream: many calls, each tagged with the gateway's call id and run
 * exactly as a Call stream of its own would be. Frames are sent as they come, those of one turn
 * of the event loop in one message, never awaiting one call's reader, so a slow call holds up no
 * other. A frame that breaks the stream's own contract (no call id, an id already in flight, no
 * frame, a message without frames) ends the stream; anything wrong inside one call ends that call
 * only.
 */
export class MuxStream {
  private readonly calls = new InflightTable<MuxEntry>();
  private inputDone = false;
  private closed = false;
  private readonly outbox = new FrameBatcher<CallMuxServerFrame>((frames) => {
    if (this.writable()) this.stream.write({ frames });
  });

  constructor(
    private readonly stream: CallBatchesStream,
    private readonly env: MuxEnvironment,
  ) {
    stream.on('data', (batch: CallMuxClientBatch__Output) => {
      // Counted before it was decoded: an empty or overlong message never became objects.
      const refusal = refusalOf(batch);
      if (refusal) this.fault(refusal);
      for (const frame of batch.frames) this.onFrame(frame);
    });
    stream.on('end', () => {
      this.inputDone = true;
      this.endIfIdle();
    });
    // The gateway went away: nobody is left to answer, so every call is abandoned.
    stream.on('cancelled', () => {
      this.closed = true;
      for (const { run } of this.calls.values()) run.cancelled();
    });
    stream.on('error', (err) => env.logger.debug({ err }, 'calls stream error'));
  }

  /** Ends the stream once its calls are done (drain): the gateway opens another elsewhere. */
  close(): void {
    this.inputDone = true;
    this.endIfIdle();
  }

  private endIfIdle(): void {
    if (this.closed || !this.inputDone || this.calls.size > 0) return;
    this.outbox.flush();
    this.closed = true;
    if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
  }

  private writable(): boolean {
    return !this.closed && !this.stream.writableEnded && !this.stream.destroyed;
  }

  private send(frame: CallMuxServerFrame): void {
    if (this.writable()) this.outbox.push(frame);
  }

  /** A stream-level violation: every call on it is aborted and the stream ends with the status. */
  private fault(details: string): void {
    if (this.closed) return;
    // What was already answered (a refusal of an earlier frame) goes before the stream ends.
    this.outbox.flush();
    this.closed = true;
    for (const { run } of this.calls.values()) run.cancelled();
    this.stream.emit('error', { code: grpc.status.INVALID_ARGUMENT, details });
  }

  private onFrame(frame: CallMuxClientFrame__Output): void {
    if (this.closed) return;
    const id = frame.callId;
    const violation = this.violation(frame);
    if (violation) {
      this.fault(violation);
      return;
    }
    const entry = this.calls.get(id);
    if (frame.frame === 'start' && frame.start) {
      this.start(id, frame.start);
    } else if (frame.frame === 'cancel') {
      // A cancel that crossed the call's last frame finds nothing: the call is over. At the
      // deadline the gateway cancels first; the handler must still see the deadline.
      if (entry?.run.atDeadline()) entry.run.cancelled();
      else entry?.run.onData({ frame: 'cancel', cancel: frame.cancel });
    } else {
      // An answer that arrives after its call ended has no one waiting for it.
      entry?.run.onData({ frame: 'response', response: frame.response });
    }
  }

  /** What breaks the stream's own contract, as opposed to one call's. */
  private violation(frame: CallMuxClientFrame__Output): string | undefined {
    const id = frame.callId;
    if (!Number.isInteger(id) || id <= 0) return 'a CallBatches frame needs a call id above 0';
    if (frame.frame === undefined) return 'empty CallBatches frame';
    if (frame.frame === 'start' && !frame.start) return 'empty start frame';
    if (frame.frame === 'start' && this.calls.has(id)) return `call id ${id} is already in flight`;
    return undefined;
  }

  private refuse(id: number, status: StreamStatus): void {
    this.send({ callId: id, end: { code: status.code, details: status.details } });
  }

  private start(id: number, start: CallStart): void {
    if (this.env.draining()) {
      this.refuse(id, { code: grpc.status.UNAVAILABLE, details: 'provider is draining' });
      return;
    }
    if (this.calls.size >= this.env.maxCallsPerStream) {
      this.refuse(id, {
        code: grpc.status.RESOURCE_EXHAUSTED,
        details: `more than ${this.env.maxCallsPerStream} calls in flight on one stream`,
      });
      return;
    }
    const deadlineMs = start.timeoutMs > 0 ? Date.now() + start.timeoutMs : Number.POSITIVE_INFINITY;
    const entry: MuxEntry = { run: new CallRun(this.port(id, start, deadlineMs), this.env) };
    this.calls.set(id, entry);
    if (start.timeoutMs > 0) entry.timer = setTimeout(() => entry.run.cancelled(), start.timeoutMs);
    const done = entry.run.run();
    this.env.track(done);
    void done.then(() => {
      clearTimeout(entry.timer);
      if (this.calls.get(id) === entry) this.calls.delete(id);
      this.endIfIdle();
    });
    entry.run.onData({ frame: 'request', request: start.request });
  }

  /** What Call carries as metadata, rebuilt from the start frame, and frames tagged with the id. */
  private port(id: number, start: CallStart, deadlineMs: number): CallPort {
    // What metadata cannot carry is left out, as if never sent: without its token the call is refused.
    const metadata = new grpc.Metadata();
    if (start.identityToken) setIfCarried(metadata, 'authorization', `Bearer ${start.identityToken}`);
    if (start.traceparent) setIfCarried(metadata, 'traceparent', start.traceparent);
    if (start.tracestate) setIfCarried(metadata, 'tracestate', start.tracestate);
    if (start.traceFields)
      for (const [key, value] of readTraceFields(start.traceFields)) setIfCarried(metadata, key, value);
    let open = true;
    const last = (frame: CallMuxServerFrame) => {
      if (!open) return;
      open = false;
      this.send(frame);
    };
    const ended = (status: StreamStatus) => last({ callId: id, end: status });
    return {
      metadata,
      deadlineMs,
      rpcMethod: 'CallBatches',
      writable: () => open && !this.closed,
      write: (frame: CallServerFrame) => {
        if (open) this.send({ callId: id, ...frame });
      },
      end: (frame) => last(frame ? { callId: id, ...frame } : { callId: id, end: { code: 0, details: '' } }),
      fail: ended,
      abandoned: ended,
    };
  }
}
