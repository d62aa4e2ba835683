import * as grpc from '@grpc/grpc-js';
import type { CallClientFrame, CallServerFrame__Output, ToolProviderClient } from '@mcp-fleet/contract';
import { type Context, injectIntoMetadata } from '@mcp-fleet/runtime/telemetry';
import type { Cancellable } from '../engine/cancellation.js';
import type { JsonObject, RawJson } from '../protocol/messages.js';
import { ProviderCallFrames, providerCallSpan, requestFrame } from './call-frames.js';

export { UpstreamUnavailable } from './call-frames.js';

/** What a provider call reports while it runs. */
export interface CallListener {
  progress(progress: number, total: number | undefined, message: string | undefined): void;
  log(level: string, logger: string | undefined, data: unknown): void;
  /** A server-to-client request (sampling, elicitation, roots); resolves with the client's result. */
  request(method: string, params: JsonObject): Promise<JsonObject>;
  /** The provider lets the client drop its connection and come back after retryMs. */
  detach(retryMs: number): void;
}

export interface ProviderCallRequest {
  provider: string;
  method: string;
  params: JsonObject;
  /** Internal identity token for the provider (never the caller's own credential). */
  identityToken: string;
  timeoutMs: number;
  /** The request's: aborting it cancels the provider call. */
  cancellation: Cancellable;
  clientCapabilities: JsonObject;
  logLevel: string;
  protocolVersion: string;
  listener: CallListener;
  /** The request's trace context: the provider call is its child. */
  traceContext: Context;
}

/**
 * Runs one MCP request on a provider over a Call stream. Resolves with the provider's result as
 * raw JSON (spliced into the client's response unparsed), rejects with a FleetError.
 */
export function streamProviderCall(
  client: ToolProviderClient,
  request: ProviderCallRequest,
): Promise<RawJson> {
  const { span, context: callContext } = providerCallSpan(request, 'Call');
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${request.identityToken}`);
  injectIntoMetadata(metadata, callContext);
  const stream = client.Call(metadata, { deadline: Date.now() + request.timeoutMs });
  const send = (frame: CallClientFrame) => {
    if (stream.writable) stream.write(frame);
  };
  const frames = new ProviderCallFrames(request, span, send);

  return new Promise<RawJson>((resolve, reject) => {
    const onAbort = () => send({ cancel: { reason: frames.cancelReason() } });
    const unsubscribe = request.cancellation.onAbort(onAbort);
    stream.on('data', (frame: CallServerFrame__Output) => frames.onFrame(frame));
    // The outcome arrives with the status; 'error' repeats non-OK statuses.
    stream.on('error', () => {});
    stream.on('status', (status: grpc.StatusObject) => {
      unsubscribe();
      stream.end();
      frames.settleInto(status, resolve, reject);
    });
    send({ request: requestFrame(request) });
    if (request.cancellation.aborted) onAbort();
  });
}
