import type { RequestContext } from '../engine/request-context.js';
import type { JsonObject, RawJson } from '../protocol/messages.js';
import { isModernVersion } from '../protocol/versions.js';
import type { Bus } from '../session/types.js';
import { retryFields, withoutRetryFields } from './input-requests.js';
import { type Emit, ParkedCall } from './parked-call.js';
import { type RequestStateCodec, rejectState } from './request-state.js';
import { ParkedCallLost, ResumeRelay, type Resumption, type RoundAnswer } from './resume-relay.js';

/** The only requests that may answer input_required (SEP-2322); lists never do. */
const MAY_ASK: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

const progressTokenOf = (params: JsonObject) => ((params._meta ?? {}) as JsonObject).progressToken;

/**
 * A retry's notifications: the call reports progress under the token of the request that started
 * it, the client of this round waits for its own (and for none when it sent none).
 */
function progressUnder(token: unknown, emit: Emit): Emit {
  return (message) => {
    if (!('method' in message) || message.method !== 'notifications/progress') return emit(message);
    if (token !== undefined) emit({ ...message, params: { ...message.params, progressToken: token } });
  };
}

/** Runs a request as the dispatcher would, with the context and params given. */
export type Work = (ctx: RequestContext, params: JsonObject) => Promise<RawJson>;

export interface InputRequiredOptions {
  bus: Bus;
  codec: RequestStateCodec;
  /** How long a parked call (and its requestState) waits for the retry. */
  ttlMs: number;
}

/**
 * Multi-round-trip requests (MCP 2026-07-28, SEP-2322) for the provider calls of this replica.
 * When a provider handler asks its client for input (ctx.sample/elicit/request, unchanged), the
 * request answers `input_required` and the provider call is parked, still waiting; the retry
 * (same method and params, plus inputResponses and the signed requestState) hands the answers to
 * it and answers with how it goes on. A retry landing on another replica is passed here over
 * the bus; 2025 sessions keep server→client requests on their stream.
 */
export class InputRequired {
  private readonly calls = new Map<string, ParkedCall>();
  private readonly relay: ResumeRelay;

  constructor(private readonly options: InputRequiredOptions) {
    this.relay = new ResumeRelay(options.bus, (resumption, emit, signal, accepted) =>
      this.resumeHere(resumption, emit, signal, accepted),
    );
  }

  start(): Promise<() => void> {
    return this.relay.start();
  }

  /** Cancels every parked call (shutdown): their clients' retries will find them lost. */
  close(): void {
    for (const call of this.calls.values()) call.cancel('the gateway is shutting down');
    this.calls.clear();
  }

  /** True when this request is answered through `serve`: a 2026 request that may ask, not already served. */
  serves(ctx: RequestContext, method: string): boolean {
    return MAY_ASK.has(method) && isModernVersion(ctx.session.protocolVersion) && !ctx.ask;
  }

  /** Answers a request that may ask its client for input: a new call, or the retry of a parked one. */
  async serve(ctx: RequestContext, method: string, params: JsonObject, work: Work): Promise<RoundAnswer> {
    const { responses = {}, state } = retryFields(params);
    const identity = { principal: ctx.caller.principal, method, params };
    if (state !== undefined) {
      const round = this.options.codec.verify(state, identity);
      const resumption = {
        call: round.call,
        round: round.round,
        principal: identity.principal,
        responses,
        progressToken: progressTokenOf(params),
      };
      return round.replica === this.options.bus.replicaId
        ? this.resumeHere(resumption, ctx.emit, ctx.signal, () => {})
        : this.relay.pass(round.replica, resumption, ctx.emit, ctx.signal);
    }
    const call = new ParkedCall(identity, ctx.session.clientCapabilities, new Map(Object.entries(responses)));
    this.calls.set(call.id, call);
    const inner: RequestContext = {
      ...ctx,
      signal: call.signal,
      emit: (message) => call.emit(message),
      ask: (askedMethod, askedParams) => call.ask(askedMethod, askedParams),
    };
    call.start(() => work(inner, withoutRetryFields(params)));
    return this.round(call, ctx.emit, ctx.signal);
  }

  private async resumeHere(
    resumption: Resumption,
    emit: Emit,
    signal: AbortSignal,
    accepted: () => void,
  ): Promise<RoundAnswer> {
    const call = this.calls.get(resumption.call);
    if (!call || call.identity.principal !== resumption.principal)
      throw new ParkedCallLost('it ended, expired or its replica restarted');
    if (call.serving || call.round !== resumption.round)
      throw rejectState('replayed', 'this round of the call was already answered');
    call.deliver(resumption.responses);
    accepted();
    return this.round(call, progressUnder(resumption.progressToken, emit), signal);
  }

  /** Serves one round of `call`: its result, or an input_required result with a state for the next round. */
  private async round(call: ParkedCall, emit: Emit, signal: AbortSignal): Promise<RoundAnswer> {
    try {
      const end = await call.serve(emit, signal);
      if (end.kind === 'complete') {
        this.calls.delete(call.id);
        return end.result;
      }
      const expires = Date.now() + this.options.ttlMs;
      call.park(this.options.ttlMs, () => this.calls.delete(call.id));
      const requestState = this.options.codec.sign(
        { call: call.id, replica: this.options.bus.replicaId, round: end.round, expires },
        call.identity,
      );
      return { resultType: 'input_required', inputRequests: end.inputRequests, requestState };
    } catch (err) {
      this.calls.delete(call.id);
      throw err;
    }
  }
}
