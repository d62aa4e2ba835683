import * as grpc from '@grpc/grpc-js';
import type {
  CallClientFrame,
  CallMuxClientBatch,
  CallMuxClientFrame,
  CallMuxServerBatch__Output,
  CallMuxServerFrame__Output,
  ToolProviderClient,
} from '@mcp-fleet/contract';

/** What one call of a CallBatches stream received, its final frame last. */
export interface MuxOutcome {
  frames: CallMuxServerFrame__Output[];
  last: CallMuxServerFrame__Output;
}

export interface MuxStartOptions {
  token?: string;
  timeoutMs?: number;
  traceparent?: string;
  /** Sees each frame of this call as it arrives. */
  onFrame?: (frame: CallMuxServerFrame__Output, mux: RawMux) => void;
}

interface Waiting {
  frames: CallMuxServerFrame__Output[];
  resolve: (outcome: MuxOutcome) => void;
  onFrame?: MuxStartOptions['onFrame'];
}

const FINAL = new Set(['result', 'error', 'end']);

/** A bare CallBatches stream, as a gateway (or an attacker) would drive it: one frame a message unless told. */
export class RawMux {
  readonly stream: grpc.ClientDuplexStream<CallMuxClientBatch, CallMuxServerBatch__Output>;
  readonly status: Promise<grpc.StatusObject>;
  /** Messages received, each carrying one or more frames. */
  messages = 0;
  private readonly waiting = new Map<number, Waiting>();

  constructor(client: ToolProviderClient) {
    this.stream = client.CallBatches(new grpc.Metadata());
    this.stream.on('error', () => {});
    this.stream.on('data', (batch: CallMuxServerBatch__Output) => {
      this.messages++;
      for (const frame of batch.frames) this.onFrame(frame);
    });
    this.status = new Promise((resolve) => this.stream.on('status', resolve));
  }

  private onFrame(frame: CallMuxServerFrame__Output): void {
    const waiting = this.waiting.get(frame.callId);
    if (!waiting) return;
    waiting.frames.push(frame);
    waiting.onFrame?.(frame, this);
    if (frame.frame && FINAL.has(frame.frame)) {
      this.waiting.delete(frame.callId);
      waiting.resolve({ frames: waiting.frames, last: frame });
    }
  }

  /** Starts call `id` with the request of `first` and resolves with its frames once it ends. */
  start(id: number, first: CallClientFrame, options: MuxStartOptions = {}): Promise<MuxOutcome> {
    const done = this.expect(id, options.onFrame);
    this.send({
      callId: id,
      start: {
        request: first.request ?? null,
        identityToken: options.token ?? '',
        traceparent: options.traceparent ?? '',
        timeoutMs: options.timeoutMs ?? 0,
      },
    });
    return done;
  }

  /** Resolves once call `id` ends, for a start sent by hand. */
  expect(id: number, onFrame?: MuxStartOptions['onFrame']): Promise<MuxOutcome> {
    return new Promise((resolve) => {
      this.waiting.set(id, { frames: [], resolve, ...(onFrame ? { onFrame } : {}) });
    });
  }

  send(...frames: CallMuxClientFrame[]): void {
    this.stream.write({ frames });
  }

  end(): void {
    this.stream.end();
  }
}

/** The JSON of a call's result frame; throws with what came instead. */
export function muxResult(outcome: MuxOutcome): Record<string, unknown> {
  const { last } = outcome;
  if (last.frame !== 'result' || !last.result)
    throw new Error(`expected a result, got ${JSON.stringify(last)}`);
  return JSON.parse(last.result.resultJson.toString('utf8')) as Record<string, unknown>;
}

/** The status a call of a CallBatches stream ended with, instead of a result or error frame. */
export function muxEnd(outcome: MuxOutcome): { code: number; details: string } {
  const { last } = outcome;
  if (last.frame !== 'end' || !last.end)
    throw new Error(`expected an end frame, got ${JSON.stringify(last)}`);
  return last.end;
}
