import * as grpc from '@grpc/grpc-js';
import {
  type CallClientFrame,
  type CallRequest__Output,
  type CallServerFrame__Output,
  FleetError,
} from '@mcp-fleet/contract';
import { childSpan, failSpan, type Span, SpanKind } from '@mcp-fleet/runtime/telemetry';
import { RelayedError } from '../protocol/errors.js';
import { isOneObject, scanNesting } from '../protocol/json-scan.js';
import { type JsonObject, MAX_NESTING, RawJson } from '../protocol/messages.js';
import { isModernVersion } from '../protocol/versions.js';
import type { ProviderCallRequest } from './provider-stream.js';

/** The provider could not be reached or went away mid-call; `beforeAnyFrame` says nothing ran visibly. */
export class UpstreamUnavailable extends FleetError {
  constructor(
    provider: string,
    detail: string,
    readonly beforeAnyFrame: boolean,
  ) {
    super('Unavailable', `Provider ${provider} is unavailable: ${detail}`);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * A provider frame's JSON, nested no deeper than a client's message may be: deeper data parses,
 * then fails every serialisation on the way to the client (stack overflow).
 */
function decode(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  const text = bytes.toString('utf8');
  if (scanNesting(text, MAX_NESTING).tooDeep)
    throw new Error(`JSON nested deeper than ${MAX_NESTING} levels`);
  return JSON.parse(text);
}

export type CallStatus = Pick<grpc.StatusObject, 'code' | 'details'>;

function statusError(provider: string, status: CallStatus, sawFrame: boolean, timeoutMs: number): FleetError {
  switch (status.code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return new FleetError('Timeout', `Provider ${provider} did not answer within ${timeoutMs} ms`);
    case grpc.status.UNAVAILABLE:
      return new UpstreamUnavailable(provider, status.details, !sawFrame);
    // The provider refused the call before running it (its per-stream limit): busy, not broken.
    case grpc.status.RESOURCE_EXHAUSTED:
      return new UpstreamUnavailable(provider, `overloaded: ${status.details}`, !sawFrame);
    case grpc.status.CANCELLED:
      return new FleetError('InternalError', `Call to provider ${provider} was cancelled`);
    default:
      return new FleetError(
        'InternalError',
        `Provider ${provider} failed: ${grpc.status[status.code] ?? status.code} ${status.details}`,
      );
  }
}

/** A server frame of either transport: a CallBatches frame carries the same fields, and its call id. */
export type ServerFrameFields = Omit<CallServerFrame__Output, 'frame'> & { frame?: string };

/**
 * A session's capabilities as JSON, made once per session object: a 2025 session sends the same
 * ones with every call. A 2026 request's are a new object each time, serialised as they are (a
 * WeakMap entry for an object used once costs more than its text).
 */
const sessionCapabilities = new WeakMap<object, string>();

function capabilitiesJson(request: ProviderCallRequest): string {
  if (isModernVersion(request.protocolVersion)) return JSON.stringify(request.clientCapabilities);
  let text = sessionCapabilities.get(request.clientCapabilities);
  if (text === undefined) {
    text = JSON.stringify(request.clientCapabilities);
    sessionCapabilities.set(request.clientCapabilities, text);
  }
  return text;
}

/** The request frame of a call, the same on a Call stream and in a CallBatches start frame. */
export function requestFrame(request: ProviderCallRequest): CallRequest__Output {
  return {
    method: request.method,
    paramsJson: Buffer.from(JSON.stringify(request.params)),
    clientCapabilitiesJson: Buffer.from(capabilitiesJson(request)),
    logLevel: request.logLevel,
    protocolVersion: request.protocolVersion,
  };
}

/** The gateway's client span of a provider call (one name for both transports: it is one call). */
export function providerCallSpan(request: ProviderCallRequest, rpcMethod: string) {
  return childSpan('mcpfleet.provider.v1.ToolProvider/Call', request.traceContext, SpanKind.CLIENT, {
    'rpc.system': 'grpc',
    'rpc.service': 'mcpfleet.provider.v1.ToolProvider',
    'rpc.method': rpcMethod,
    'mcpfleet.provider': request.provider,
    'mcp.method.name': request.method,
  });
}

/**
 * One provider call's frames, whatever stream carries them: relays progress, logs and
 * server-to-client requests to the listener, keeps the result or error, and settles the call
 * once the transport reports how it ended.
 */
export class ProviderCallFrames {
  private outcome: { result: RawJson } | { error: FleetError } | undefined;
  /** Set by the first frame that could not be read: the call's outcome, whatever follows. */
  private malformed: FleetError | undefined;
  sawFrame = false;

  constructor(
    private readonly request: ProviderCallRequest,
    private readonly span: Span,
    /** Sends the client's answer to a server-to-client request back to the provider. */
    private readonly send: (frame: Required<Pick<CallClientFrame, 'response'>>) => void,
  ) {}

  /**
   * Takes one frame. It runs inside a gRPC stream's listener, where a throw would end the gateway:
   * a frame that cannot be read (JSON that does not parse) fails this call alone.
   */
  onFrame(frame: ServerFrameFields): void {
    this.sawFrame = true;
    if (this.malformed) return;
    try {
      this.take(frame);
    } catch (err) {
      this.malformed = new FleetError(
        'InternalError',
        `Provider ${this.request.provider} sent a malformed ${frame.frame ?? 'unknown'} frame: ${(err as Error).message}`,
      );
      this.outcome = { error: this.malformed };
      // A provider waiting on its request would wait until the deadline: it hears why now.
      if (frame.frame === 'request' && frame.request) this.refuse(frame.request.id, this.malformed);
    }
  }

  private take(frame: ServerFrameFields): void {
    const { listener } = this.request;
    switch (frame.frame) {
      case 'progress':
        if (frame.progress) {
          const { progress, total, message } = frame.progress;
          listener.progress(progress, total || undefined, message || undefined);
        }
        return;
      case 'log':
        if (frame.log)
          listener.log(frame.log.level, frame.log.logger || undefined, decode(frame.log.dataJson));
        return;
      case 'request':
        if (frame.request) this.ask(frame.request);
        return;
      case 'detach':
        listener.detach(frame.detach?.retryMs ?? 0);
        return;
      case 'result': {
        const text = frame.result?.resultJson.toString('utf8') || '{}';
        if (!isOneObject(text, MAX_NESTING))
          throw new Error(`result_json is not one JSON object nested at most ${MAX_NESTING} deep`);
        this.outcome = { result: new RawJson(text) };
        return;
      }
      case 'error':
        if (frame.error) {
          this.outcome = {
            error: new RelayedError(frame.error.code, frame.error.message, decode(frame.error.dataJson)),
          };
        }
        return;
    }
  }

  /** A server-to-client request: the client's answer (or failure) goes back to the provider. */
  private ask(serverRequest: NonNullable<CallServerFrame__Output['request']>): void {
    const { id } = serverRequest;
    this.request.listener
      .request(serverRequest.method, (decode(serverRequest.paramsJson) ?? {}) as JsonObject)
      .then(
        (result) => this.send({ response: { id, resultJson: Buffer.from(JSON.stringify(result)) } }),
        (err: unknown) =>
          this.refuse(id, err instanceof FleetError ? err : new FleetError('InternalError', String(err))),
      );
  }

  /** Answers a server-to-client request with an error. */
  private refuse(id: number, error: FleetError): void {
    this.send({ response: { id, error: { code: error.code, message: error.message, dataJson: EMPTY } } });
  }

  /** Why the client's abort cancels the provider call, as the cancel frame says it. */
  cancelReason(): string {
    return String(this.request.cancellation.reason ?? 'cancelled by the client');
  }

  /** Settles the call's promise with what `settle` returns or throws. */
  settleInto(status: CallStatus, resolve: (result: RawJson) => void, reject: (err: unknown) => void): void {
    try {
      resolve(this.settle(status));
    } catch (err) {
      reject(err);
    }
  }

  /** Ends the span and returns the call's result, or throws its error: the outcome, else the status's. */
  private settle(status: CallStatus): RawJson {
    const outcome = this.outcome;
    this.span.setAttribute('rpc.grpc.status_code', status.code);
    if (status.code !== grpc.status.OK)
      failSpan(this.span, grpc.status[status.code] ?? String(status.code), status.details);
    else if (outcome && 'error' in outcome)
      failSpan(this.span, String(outcome.error.code), outcome.error.message);
    this.span.end();
    if (outcome && 'result' in outcome) return outcome.result;
    if (outcome) throw outcome.error;
    throw statusError(this.request.provider, status, this.sawFrame, this.request.timeoutMs);
  }
}
