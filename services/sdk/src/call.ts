import * as grpc from '@grpc/grpc-js';
import {
  type CallClientFrame__Output,
  type CallRequest__Output,
  type CallServerFrame,
  isLogLevel,
  type LogLevel,
  logLevelPasses,
} from '@mcp-fleet/contract';
import type { Logger } from 'pino';
import type { Catalog } from './catalog.js';
import type { HandlerContext, Identity, JsonObject } from './define.js';
import { dispatch } from './dispatch.js';
import { CallAbortedError, errorMessage, ProtocolError } from './errors.js';
import { traceFields } from './logger.js';
import { observeCall } from './metrics.js';
import { contextFromMetadata, failSpan, mcpTarget, startMcpSpan, trace } from './telemetry.js';

export type CallStream = grpc.ServerDuplexStream<CallClientFrame__Output, CallServerFrame>;

/** What a Call needs from the server around it. */
export interface CallEnvironment {
  catalog: () => Catalog;
  logger: Logger;
  /** Resolves the caller from the call's metadata; rejects when the token is missing or bad. */
  identify: (metadata: grpc.Metadata) => Promise<Identity>;
  /** Aborted when the provider stops waiting for in-flight calls. */
  shutdown: AbortSignal;
}

interface PendingRequest {
  resolve: (result: JsonObject) => void;
  reject: (err: Error) => void;
}

class StreamFault extends Error {
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

/**
 * Runs one Call stream: the first frame is the request, later frames cancel it or answer the
 * provider's server-to-client requests. Every contract violation ends the stream with a gRPC
 * status; nothing a caller sends can throw out of here.
 */
export function handleCall(call: CallStream, env: CallEnvironment): Promise<void> {
  const controller = new AbortController();
  const pending = new Map<number, PendingRequest>();
  let nextRequestId = 1;
  let state: 'awaiting-request' | 'running' | 'finished' = 'awaiting-request';
  let method = '';
  let settle: () => void = () => {};
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });

  const abort = (reason: CallAbortedError) => {
    if (!controller.signal.aborted) controller.abort(reason);
    for (const { reject } of pending.values()) reject(reason);
    pending.clear();
  };

  const finish = (frame?: CallServerFrame, status?: { code: grpc.status; details: string }) => {
    if (state === 'finished') return;
    state = 'finished';
    if (status) {
      abort(
        new CallAbortedError(
          status.code === grpc.status.UNAVAILABLE ? 'shutdown' : 'cancelled',
          status.details,
        ),
      );
      call.emit('error', status);
    } else {
      if (frame) call.write(frame);
      call.end();
    }
    settle();
  };

  const write = (frame: CallServerFrame) => {
    if (state === 'running') call.write(frame);
  };

  const onShutdown = () =>
    finish(undefined, {
      code: grpc.status.UNAVAILABLE,
      details: 'provider shut down before the call finished',
    });
  env.shutdown.addEventListener('abort', onShutdown, { once: true });
  void settled.then(() => env.shutdown.removeEventListener('abort', onShutdown));

  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  call.on('cancelled', () => {
    // grpc-js also reports a stream closed after our final frame; only an unfinished call is aborted.
    if (state === 'finished') return;
    // The caller's deadline timer fires before ours (ours counts from arrival), so a cancel just
    // short of our deadline is the deadline.
    const cause =
      Number.isFinite(deadlineMs) && Date.now() >= deadlineMs - DEADLINE_SLACK_MS ? 'deadline' : 'cancelled';
    abort(
      new CallAbortedError(
        cause,
        cause === 'deadline' ? 'deadline exceeded' : 'stream cancelled by the caller',
      ),
    );
    state = 'finished';
    settle();
  });
  call.on('error', (err) => {
    env.logger.debug({ err, method }, 'call stream error');
  });
  call.on('end', () => {
    if (state === 'awaiting-request') {
      finish(undefined, {
        code: grpc.status.INVALID_ARGUMENT,
        details: 'stream closed before a request frame',
      });
    }
  });

  const serverRequest = (requestMethod: string, params: JsonObject): Promise<JsonObject> => {
    if (state !== 'running') return Promise.reject(controller.signal.reason ?? new Error('call is finished'));
    const id = nextRequestId++;
    return new Promise<JsonObject>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      write({ request: { id, method: requestMethod, paramsJson: json(params) } });
    });
  };

  const start = async (request: CallRequest__Output) => {
    method = request.method;
    const params = parseJsonObject(request.paramsJson, 'params_json', false);
    const capabilities = parseJsonObject(request.clientCapabilitiesJson, 'client_capabilities_json', false);
    const threshold: LogLevel = isLogLevel(request.logLevel) ? request.logLevel : 'info';
    const meta =
      typeof params._meta === 'object' && params._meta !== null ? (params._meta as JsonObject) : {};
    const hasProgressToken = meta.progressToken !== undefined;
    const identity = await env.identify(call.metadata).catch((err: Error) => {
      throw new StreamFault(grpc.status.UNAUTHENTICATED, err.message);
    });
    const requireCapability = (capability: string) => {
      if (capabilities[capability] === undefined) {
        throw new Error(`the client does not support ${capability}`);
      }
    };
    const parent = contextFromMetadata(call.metadata);
    const target = mcpTarget(params);
    const span = startMcpSpan(method, params, parent, {
      'rpc.system': 'grpc',
      'rpc.service': 'mcpfleet.provider.v1.ToolProvider',
      'rpc.method': 'Call',
      ...(identity.sessionId ? { 'mcp.session.id': identity.sessionId } : {}),
    });
    const callContext = trace.setSpan(parent, span);
    const ctx: HandlerContext = {
      identity,
      signal: controller.signal,
      traceContext: callContext,
      protocolVersion: request.protocolVersion,
      clientCapabilities: capabilities,
      meta,
      progress(progress, total, message) {
        if (hasProgressToken) write({ progress: { progress, total: total ?? 0, message: message ?? '' } });
      },
      log(level, data, logger) {
        if (logLevelPasses(level, threshold))
          write({ log: { level, logger: logger ?? '', dataJson: json(data) } });
      },
      async sample(samplingParams) {
        requireCapability('sampling');
        return (await serverRequest('sampling/createMessage', samplingParams)) as never;
      },
      async elicit(elicitParams) {
        requireCapability('elicitation');
        return (await serverRequest('elicitation/create', elicitParams)) as never;
      },
      request: (requestMethod, requestParams) => serverRequest(requestMethod, requestParams ?? {}),
      detach(retryMs) {
        write({ detach: { retryMs: Math.max(0, Math.round(retryMs)) } });
      },
    };
    const started = performance.now();
    let outcome = 'ok';
    try {
      const result = await dispatch(env.catalog(), method, params, ctx);
      if (result.isError === true) {
        outcome = 'tool_error';
        failSpan(span, outcome, 'the tool reported an error');
      }
      finish({ result: { resultJson: json(result) } });
    } catch (err) {
      outcome = err instanceof ProtocolError ? String(err.code) : ((err as Error)?.name ?? 'Error');
      failSpan(span, outcome, errorMessage(err));
      if (state === 'finished') return;
      if (err instanceof ProtocolError) {
        finish({
          error: {
            code: err.code,
            message: err.message,
            dataJson: err.data === undefined ? Buffer.alloc(0) : json(err.data),
          },
        });
      } else if (err instanceof CallAbortedError) {
        finish(undefined, { code: grpc.status.CANCELLED, details: err.message });
      } else {
        env.logger.error(
          { err, method, ...traceFields(span.spanContext()) },
          'provider failed to answer a call',
        );
        finish(undefined, { code: grpc.status.INTERNAL, details: `provider failed: ${errorMessage(err)}` });
      }
    } finally {
      span.end();
      observeCall(method, target, outcome, (performance.now() - started) / 1000);
    }
  };

  const onFrame = (frame: CallClientFrame__Output) => {
    switch (frame.frame) {
      case 'request':
        if (state !== 'awaiting-request' || !frame.request) {
          throw new StreamFault(
            grpc.status.INVALID_ARGUMENT,
            'a call carries exactly one request frame, first',
          );
        }
        state = 'running';
        start(frame.request).catch((err: unknown) => {
          const fault =
            err instanceof StreamFault ? err : new StreamFault(grpc.status.INTERNAL, errorMessage(err));
          finish(undefined, { code: fault.code, details: fault.message });
        });
        return;
      case 'cancel':
        if (state === 'awaiting-request')
          throw new StreamFault(grpc.status.INVALID_ARGUMENT, 'cancel before request');
        finish(undefined, {
          code: grpc.status.CANCELLED,
          details: `cancelled by the caller: ${frame.cancel?.reason ?? ''}`,
        });
        return;
      case 'response': {
        const response = frame.response;
        const waiting = response ? pending.get(response.id) : undefined;
        if (!response || !waiting) {
          throw new StreamFault(
            grpc.status.INVALID_ARGUMENT,
            `response to unknown request id ${response?.id ?? '?'}`,
          );
        }
        pending.delete(response.id);
        if (response.outcome === 'error' && response.error) {
          waiting.reject(new Error(`client answered ${response.error.code}: ${response.error.message}`));
        } else {
          waiting.resolve(parseJsonObject(response.resultJson, 'result_json', true));
        }
        return;
      }
      default:
        throw new StreamFault(grpc.status.INVALID_ARGUMENT, 'empty frame');
    }
  };

  call.on('data', (frame: CallClientFrame__Output) => {
    if (state === 'finished') return;
    try {
      onFrame(frame);
    } catch (err) {
      const fault =
        err instanceof StreamFault ? err : new StreamFault(grpc.status.INTERNAL, errorMessage(err));
      finish(undefined, { code: fault.code, details: fault.message });
    }
  });

  return settled;
}
