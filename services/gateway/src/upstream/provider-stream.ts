import * as grpc from '@grpc/grpc-js';
import {
  type CallClientFrame,
  type CallServerFrame__Output,
  FleetError,
  type ToolProviderClient,
} from '@mcp-fleet/contract';
import {
  type Context,
  childSpan,
  failSpan,
  injectIntoMetadata,
  SpanKind,
} from '@mcp-fleet/runtime/telemetry';
import { RelayedError } from '../protocol/errors.js';
import { type JsonObject, RawJson } from '../protocol/messages.js';

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
  signal: AbortSignal;
  clientCapabilities: JsonObject;
  logLevel: string;
  protocolVersion: string;
  listener: CallListener;
  /** The request's trace context: the provider call is its child. */
  traceContext: Context;
}

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

function decode(bytes: Buffer): unknown {
  return bytes.length === 0 ? undefined : JSON.parse(bytes.toString('utf8'));
}

function statusError(
  provider: string,
  status: grpc.StatusObject,
  sawFrame: boolean,
  timeoutMs: number,
): FleetError {
  switch (status.code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return new FleetError('Timeout', `Provider ${provider} did not answer within ${timeoutMs} ms`);
    case grpc.status.UNAVAILABLE:
      return new UpstreamUnavailable(provider, status.details, !sawFrame);
    case grpc.status.CANCELLED:
      return new FleetError('InternalError', `Call to provider ${provider} was cancelled`);
    default:
      return new FleetError(
        'InternalError',
        `Provider ${provider} failed: ${grpc.status[status.code] ?? status.code} ${status.details}`,
      );
  }
}

/**
 * Runs one MCP request on a provider over a Call stream. Resolves with the provider's result as
 * raw JSON (spliced into the client's response unparsed), rejects with a FleetError.
 */
export function streamProviderCall(
  client: ToolProviderClient,
  request: ProviderCallRequest,
): Promise<RawJson> {
  const { span, context: callContext } = childSpan(
    'mcpfleet.provider.v1.ToolProvider/Call',
    request.traceContext,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'rpc.system': 'grpc',
        'rpc.service': 'mcpfleet.provider.v1.ToolProvider',
        'rpc.method': 'Call',
        'mcpfleet.provider': request.provider,
        'mcp.method.name': request.method,
      },
    },
  );
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${request.identityToken}`);
  injectIntoMetadata(metadata, callContext);
  const stream = client.Call(metadata, { deadline: Date.now() + request.timeoutMs });
  const { listener } = request;
  let outcome: { result: RawJson } | { error: FleetError } | undefined;
  let sawFrame = false;

  const send = (frame: CallClientFrame) => {
    if (stream.writable) stream.write(frame);
  };

  const onFrame = (frame: CallServerFrame__Output) => {
    sawFrame = true;
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
      case 'request': {
        const serverRequest = frame.request;
        if (!serverRequest) return;
        listener.request(serverRequest.method, (decode(serverRequest.paramsJson) ?? {}) as JsonObject).then(
          (result) =>
            send({ response: { id: serverRequest.id, resultJson: Buffer.from(JSON.stringify(result)) } }),
          (err: unknown) => {
            const error = err instanceof FleetError ? err : new FleetError('InternalError', String(err));
            send({
              response: {
                id: serverRequest.id,
                error: { code: error.code, message: error.message, dataJson: EMPTY },
              },
            });
          },
        );
        return;
      }
      case 'detach':
        listener.detach(frame.detach?.retryMs ?? 0);
        return;
      case 'result':
        outcome = { result: new RawJson(frame.result?.resultJson.toString('utf8') || '{}') };
        return;
      case 'error':
        if (frame.error) {
          outcome = {
            error: new RelayedError(frame.error.code, frame.error.message, decode(frame.error.dataJson)),
          };
        }
        return;
    }
  };

  return new Promise<RawJson>((resolve, reject) => {
    const onAbort = () =>
      send({ cancel: { reason: String(request.signal.reason ?? 'cancelled by the client') } });
    request.signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onFrame);
    // The outcome arrives with the status; 'error' repeats non-OK statuses.
    stream.on('error', () => {});
    stream.on('status', (status: grpc.StatusObject) => {
      request.signal.removeEventListener('abort', onAbort);
      stream.end();
      span.setAttribute('rpc.grpc.status_code', status.code);
      if (status.code !== grpc.status.OK)
        failSpan(span, grpc.status[status.code] ?? String(status.code), status.details);
      else if (outcome && 'error' in outcome)
        failSpan(span, String(outcome.error.code), outcome.error.message);
      span.end();
      if (outcome && 'result' in outcome) resolve(outcome.result);
      else if (outcome) reject(outcome.error);
      else reject(statusError(request.provider, status, sawFrame, request.timeoutMs));
    });
    send({
      request: {
        method: request.method,
        paramsJson: Buffer.from(JSON.stringify(request.params)),
        clientCapabilitiesJson: Buffer.from(JSON.stringify(request.clientCapabilities)),
        logLevel: request.logLevel,
        protocolVersion: request.protocolVersion,
      },
    });
    if (request.signal.aborted) onAbort();
  });
}
