import * as grpc from '@grpc/grpc-js';
import {
  type CallClientFrame__Output,
  type CallRequest__Output,
  type CallServerFrame,
  isLogLevel,
  type LogThreshold,
  logLevelPasses,
  NO_LOGS,
} from '@mcp-fleet/contract';
import { errorMessage, traceFields } from '@mcp-fleet/runtime';
import type { Logger } from 'pino';
import type { Catalog } from './catalog.js';
import type { HandlerContext, Identity, JsonObject } from './define.js';
import { dispatch } from './dispatch.js';
import { CallAbortedError, FleetError } from './errors.js';
import { CallContext, type ContextParts } from './handler-context.js';
import { observeCall } from './metrics.js';
import type { Shutdown } from './shutdown.js';
import {
  type Context,
  contextFromMetadata,
  failSpan,
  mcpTarget,
  type Span,
  startMcpSpan,
  trace,
} from './telemetry.js';

/** What a Call needs from the server around it. */
export interface CallEnvironment {
  catalog: () => Catalog;
  logger: Logger;
  /** Resolves the caller from the call's metadata; rejects when the token is missing or bad. */
  identify: (metadata: grpc.Metadata) => Promise<Identity>;
  /** Tells the calls in flight when the provider stops waiting for them. */
  shutdown: Shutdown;
}

interface PendingRequest {
  resolve: (result: JsonObject) => void;
  reject: (err: Error) => void;
}

export class StreamFault extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

function parseJsonObject(bytes: Buffer | undefined, what: string, required: boolean): JsonObject {
  if (!bytes || bytes.length === 0) {
    if (required) throw new StreamFault(grpc.status.INVALID_ARGUMENT, `${what} is empty`);
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new StreamFault(grpc.status.INVALID_ARGUMENT, `${what} is not valid JSON: ${errorMessage(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StreamFault(grpc.status.INVALID_ARGUMENT, `${what} must be a JSON object`);
  }
  return value as JsonObject;
}

/** How close to the deadline a cancellation is taken for the deadline itself. */
const DEADLINE_SLACK_MS = 50;

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value ?? null));

export type StreamStatus = { code: grpc.status; details: string };

/**
 * One call's side of its transport: a Call stream of its own, or its id on a CallBatches stream. The
 * call never learns which: every per-call rule (identity, deadline, cancel, errors) is the same.
 */
export interface CallPort {
  /** The call's gRPC metadata, or what a CallBatches start frame carries in its place. */
  readonly metadata: grpc.Metadata;
  /** Epoch milliseconds; Infinity when the caller set none. */
  readonly deadlineMs: number;
  /** `Call` or `CallBatches`, for the provider span. */
  readonly rpcMethod: string;
  /** The caller still takes frames of this call. */
  writable(): boolean;
  write(frame: CallServerFrame): void;
  /** Ends the call after its final frame. */
  end(frame: CallServerFrame | undefined): void;
  /** Ends the call with a gRPC status instead of a final frame. */
  fail(status: StreamStatus): void;
  /** The caller gave up on the call (cancelled it, or its deadline passed); the handler is aborted. */
  abandoned(status: StreamStatus): void;
}

/** A FleetError as the error frame the gateway turns back into a JSON-RPC error. */
const errorFrame = (err: FleetError): CallServerFrame => ({
  error: {
    code: err.code,
    message: err.message,
    dataJson: err.data === undefined ? Buffer.alloc(0) : json(err.data),
  },
});

/** One call, from its request frame to its end however it ends. */
export class CallRun {
  /** Made when the handler first reads its signal: most never do, and a controller costs. */
  private controller?: AbortController;
  private abortReason?: CallAbortedError;
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequestId = 1;
  private state: 'awaiting-request' | 'running' | 'finished' = 'awaiting-request';
  method = '';
  private settle: () => void = () => {};
  private readonly settled = new Promise<void>((resolve) => {
    this.settle = resolve;
  });

  constructor(
    private readonly port: CallPort,
    private readonly env: CallEnvironment,
  ) {}

  /** Listens to the provider's shutdown; resolves when the call has ended. */
  run(): Promise<void> {
    const { env } = this;
    const onShutdown = () =>
      this.finish(undefined, {
        code: grpc.status.UNAVAILABLE,
        details: 'provider shut down before the call finished',
      });
    const stopListening = env.shutdown.onShutdown(onShutdown);
    void this.settled.then(stopListening);
    return this.settled;
  }

  /** The caller sends nothing more: fine once the request is in, a violation before. */
  inputEnded(): void {
    if (this.state === 'awaiting-request') {
      this.finish(undefined, {
        code: grpc.status.INVALID_ARGUMENT,
        details: 'stream closed before a request frame',
      });
    }
  }

  /** The handler's signal, aborted with the call's first abort reason, even one given before it was made. */
  private get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  private abort(reason: CallAbortedError): void {
    this.abortReason ??= reason;
    if (this.controller && !this.controller.signal.aborted) this.controller.abort(this.abortReason);
    for (const { reject } of this.pending.values()) reject(reason);
    this.pending.clear();
  }

  /** Ends the stream once: with a final frame, or with a gRPC status that aborts the handler. */
  private finish(frame?: CallServerFrame, status?: StreamStatus): void {
    if (this.state === 'finished') return;
    this.state = 'finished';
    if (status) {
      this.abort(
        new CallAbortedError(
          status.code === grpc.status.UNAVAILABLE ? 'shutdown' : 'cancelled',
          status.details,
        ),
      );
      this.port.fail(status);
    } else if (this.port.writable()) {
      this.port.end(frame);
    }
    this.settle();
  }

  /** Ends the stream with the status of a contract violation; anything else is internal. */
  private fault(err: unknown): void {
    const fault = err instanceof StreamFault ? err : new StreamFault(grpc.status.INTERNAL, errorMessage(err));
    this.finish(undefined, { code: fault.code, details: fault.message });
  }

  private write(frame: CallServerFrame): void {
    if (this.state === 'running' && this.port.writable()) this.port.write(frame);
  }

  /** The caller's deadline timer fires before ours (ours counts from arrival), so a cancel just short of our deadline is the deadline. */
  atDeadline(): boolean {
    return Number.isFinite(this.port.deadlineMs) && Date.now() >= this.port.deadlineMs - DEADLINE_SLACK_MS;
  }

  /** The caller gave up on the call: its handler is aborted, with the deadline as cause when it is due. */
  cancelled(): void {
    // grpc-js also reports a stream closed after our final frame; only an unfinished call is aborted.
    if (this.state === 'finished') return;
    const cause = this.atDeadline() ? 'deadline' : 'cancelled';
    this.abort(
      new CallAbortedError(
        cause,
        cause === 'deadline' ? 'deadline exceeded' : 'stream cancelled by the caller',
      ),
    );
    this.state = 'finished';
    this.port.abandoned(
      cause === 'deadline'
        ? { code: grpc.status.DEADLINE_EXCEEDED, details: 'deadline exceeded' }
        : { code: grpc.status.CANCELLED, details: 'cancelled by the caller' },
    );
    this.settle();
  }

  onData(frame: CallClientFrame__Output): void {
    if (this.state === 'finished') return;
    try {
      this.onFrame(frame);
    } catch (err) {
      this.fault(err);
    }
  }

  private onFrame(frame: CallClientFrame__Output): void {
    switch (frame.frame) {
      case 'request':
        if (this.state !== 'awaiting-request' || !frame.request) {
          throw new StreamFault(
            grpc.status.INVALID_ARGUMENT,
            'a call carries exactly one request frame, first',
          );
        }
        this.state = 'running';
        this.start(frame.request).catch((err: unknown) => this.fault(err));
        return;
      case 'cancel':
        if (this.state === 'awaiting-request')
          throw new StreamFault(grpc.status.INVALID_ARGUMENT, 'cancel before request');
        this.finish(undefined, {
          code: grpc.status.CANCELLED,
          details: `cancelled by the caller: ${frame.cancel?.reason ?? ''}`,
        });
        return;
      case 'response':
        this.onResponse(frame.response);
        return;
      default:
        throw new StreamFault(grpc.status.INVALID_ARGUMENT, 'empty frame');
    }
  }

  /** The client's answer to one of the provider's server-to-client requests. */
  private onResponse(response: CallClientFrame__Output['response']): void {
    const waiting = response ? this.pending.get(response.id) : undefined;
    if (!response || !waiting) {
      throw new StreamFault(
        grpc.status.INVALID_ARGUMENT,
        `response to unknown request id ${response?.id ?? '?'}`,
      );
    }
    this.pending.delete(response.id);
    if (response.outcome === 'error' && response.error) {
      waiting.reject(new Error(`client answered ${response.error.code}: ${response.error.message}`));
    } else {
      waiting.resolve(parseJsonObject(response.resultJson, 'result_json', true));
    }
  }

  private serverRequest(requestMethod: string, params: JsonObject): Promise<JsonObject> {
    if (this.state !== 'running') return Promise.reject(this.abortReason ?? new Error('call is finished'));
    const id = this.nextRequestId++;
    return new Promise<JsonObject>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.write({ request: { id, method: requestMethod, paramsJson: json(params) } });
    });
  }

  /** Runs the request frame: identifies the caller, then answers inside a span for the call. */
  private async start(request: CallRequest__Output): Promise<void> {
    this.method = request.method;
    // Who is calling first: a caller without a valid token never gets its payload parsed.
    const identity = await this.env.identify(this.port.metadata).catch((err: Error) => {
      throw new StreamFault(grpc.status.UNAUTHENTICATED, err.message);
    });
    const params = parseJsonObject(request.paramsJson, 'params_json', false);
    const capabilities = parseJsonObject(request.clientCapabilitiesJson, 'client_capabilities_json', false);
    const parent = contextFromMetadata(this.port.metadata);
    const target = mcpTarget(params);
    const span = startMcpSpan(this.method, params, parent, {
      'rpc.system': 'grpc',
      'rpc.service': 'mcpfleet.provider.v1.ToolProvider',
      'rpc.method': this.port.rpcMethod,
      ...(identity.sessionId ? { 'mcp.session.id': identity.sessionId } : {}),
    });
    const ctx = this.handlerContext(request, params, capabilities, identity, trace.setSpan(parent, span));
    const started = performance.now();
    let outcome = 'ok';
    try {
      const result = await dispatch(this.env.catalog(), this.method, params, ctx);
      if (result.isError === true) {
        outcome = 'tool_error';
        failSpan(span, outcome, 'the tool reported an error');
      }
      this.finish({ result: { resultJson: json(result) } });
    } catch (err) {
      outcome = err instanceof FleetError ? String(err.code) : ((err as Error)?.name ?? 'Error');
      failSpan(span, outcome, errorMessage(err));
      this.answerFailure(err, span);
    } finally {
      span.end();
      observeCall(this.method, target, outcome, (performance.now() - started) / 1000);
    }
  }

  /** A FleetError is the caller's JSON-RPC error; an abort or any other failure ends the stream. */
  private answerFailure(err: unknown, span: Span): void {
    if (this.state === 'finished') return;
    if (err instanceof FleetError) {
      this.finish(errorFrame(err));
    } else if (err instanceof CallAbortedError) {
      this.finish(undefined, { code: grpc.status.CANCELLED, details: err.message });
    } else {
      this.env.logger.error(
        { err, method: this.method, ...traceFields(span.spanContext()) },
        'provider failed to answer a call',
      );
      this.finish(undefined, {
        code: grpc.status.INTERNAL,
        details: `provider failed: ${errorMessage(err)}`,
      });
    }
  }

  /** What the handler may do while it runs: report progress, log, and ask the client things. */
  private handlerContext(
    request: CallRequest__Output,
    params: JsonObject,
    capabilities: JsonObject,
    identity: Identity,
    traceContext: Context,
  ): HandlerContext {
    const threshold: LogThreshold =
      request.logLevel === NO_LOGS ? NO_LOGS : isLogLevel(request.logLevel) ? request.logLevel : 'info';
    const meta =
      typeof params._meta === 'object' && params._meta !== null ? (params._meta as JsonObject) : {};
    const hasProgressToken = meta.progressToken !== undefined;
    // From MCP 2026-07-28 on, asking for an undeclared capability fails the request (-32021),
    // not just the tool, so the client learns which capability it needs.
    const stateless = request.protocolVersion >= '2026-07-28';
    const requireCapability = (capability: string) => {
      if (capabilities[capability] !== undefined) return;
      const message = `the client does not support ${capability}`;
      if (!stateless) throw new Error(message);
      throw new FleetError('MissingClientCapability', message, {
        data: { requiredCapabilities: { [capability]: {} } },
      });
    };
    const parts: ContextParts = {
      identity,
      traceContext,
      protocolVersion: request.protocolVersion,
      clientCapabilities: capabilities,
      meta,
      progress: (progress, total, message) => {
        if (hasProgressToken)
          this.write({ progress: { progress, total: total ?? 0, message: message ?? '' } });
      },
      log: (level, data, logger) => {
        if (logLevelPasses(level, threshold))
          this.write({ log: { level, logger: logger ?? '', dataJson: json(data) } });
      },
      sample: async (samplingParams) => {
        requireCapability('sampling');
        return (await this.serverRequest('sampling/createMessage', samplingParams)) as never;
      },
      elicit: async (elicitParams) => {
        requireCapability('elicitation');
        return (await this.serverRequest('elicitation/create', elicitParams)) as never;
      },
      request: (requestMethod, requestParams) => this.serverRequest(requestMethod, requestParams ?? {}),
      detach: (retryMs) => {
        this.write({ detach: { retryMs: Math.max(0, Math.round(retryMs)) } });
      },
    };
    return new CallContext(parts, () => this.signal);
  }
}
