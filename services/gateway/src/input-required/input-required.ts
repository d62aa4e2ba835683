import { FleetError } from '@mcp-fleet/contract';
import { type AbortableCancellation, abortingWith, type Cancellable } from '../engine/cancellation.js';
import type { RequestContext } from '../engine/request-context.js';
import type { JsonObject, RawJson } from '../protocol/messages.js';
import { isModernVersion } from '../protocol/versions.js';
import { CappedCounts } from '../ratelimit/capped-counts.js';
import type { Bus } from '../session/types.js';
import type { TaskOwner, Tasks } from '../tasks/tasks.js';
import { retryFields, withoutRetryFields } from './input-requests.js';
import { type Emit, ParkedCall } from './parked-call.js';
import { mayAsk, mayPark, refuseForeignFields, tooLargeToPark } from './parked-params.js';
import { type CallIdentity, callIdentity, type RequestStateCodec, rejectState } from './request-state.js';
import { ParkedCallLost, ResumeRelay, type Resumption, type RoundAnswer } from './resume-relay.js';

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

/**
 * What of the first request's context its call keeps while parked: not the exchange (its headers
 * hold the whole HTTP request, body included), only what its routing headers were admitted for;
 * a call that outlives its request cannot detach it either.
 */
function parkable(ctx: RequestContext): Omit<RequestContext, 'cancellation' | 'abort' | 'emit' | 'ask'> {
  const { session, caller, requestId, traceId, traceContext, headers, envelope } = ctx;
  const base: Omit<RequestContext, 'cancellation' | 'abort' | 'emit' | 'ask'> = {
    session,
    caller,
    requestId,
    headers,
    detach: nothingToDetach,
  };
  if (traceId !== undefined) base.traceId = traceId;
  if (traceContext !== undefined) base.traceContext = traceContext;
  if (envelope?.screening) base.envelope = { header: () => undefined, screening: envelope.screening };
  return base;
}

const nothingToDetach = () => {};

/**
 * A parked or first-round call's context: `base` with its own cancellation and hooks, made property by
 * property (a spread of `base` plus four more made every call slow to build).
 */
function contextOf(
  base: ReturnType<typeof parkable>,
  own: Pick<RequestContext, 'cancellation' | 'abort' | 'emit' | 'ask'>,
): RequestContext {
  const { cancellation, abort, emit, ask } = own;
  const { session, caller, requestId, headers, detach, traceId, traceContext, envelope } = base;
  const ctx: RequestContext = { session, caller, requestId, headers, detach, cancellation, abort, emit, ask };
  if (traceId !== undefined) ctx.traceId = traceId;
  if (traceContext !== undefined) ctx.traceContext = traceContext;
  if (envelope !== undefined) ctx.envelope = envelope;
  return ctx;
}

/**
 * Starts `call` on `work`. A function of its own: the closures a call keeps alive must capture
 * only what they use, never a scope that also holds the request's full params (inputResponses).
 */
function startCall(
  call: ParkedCall,
  base: ReturnType<typeof parkable>,
  params: JsonObject,
  work: Work,
): void {
  const inner = contextOf(base, {
    cancellation: call.cancellable,
    abort: (reason) => call.cancel(reason.message),
    emit: (message) => call.emit(message),
    ask: (method, asked) => call.ask(method, asked),
  });
  call.start(() => work(inner, params));
}

/** What a call's first round keeps of its request until the call asks: none of the request's params. */
interface FirstRound {
  base: ReturnType<typeof parkable>;
  cancellation: AbortableCancellation;
  emit: Emit;
  /** Makes the parked call at the first ask; it takes `cancellation` over and serves the round on. */
  adopt(cancellation: AbortableCancellation): ParkedCall;
}

/**
 * Runs a call's first round as a plain call on its request's cancellation, so that a call which never
 * asks (most) makes no parked call. Ends with the call's result or error, or, at its first ask,
 * with the parked call that follows it from there; what the round held of the request is let go
 * then. A function of its own, for the reason startCall is.
 */
function runUntilAsked(
  round: FirstRound,
  params: JsonObject,
  work: Work,
): Promise<{ result: RawJson } | { parked: ParkedCall }> {
  // The closures below capture these, never `round` itself (its `adopt` holds the request's scope).
  const { base, cancellation } = round;
  let first: FirstRound | undefined = round;
  let call: ParkedCall | undefined;
  return new Promise((resolve, reject) => {
    const inner = contextOf(base, {
      cancellation,
      abort: (reason) => (call ? call.cancel(reason.message) : cancellation.abort(reason)),
      emit: (message) => (call ? call.emit(message) : first?.emit(message)),
      ask: (method, asked) => {
        if (first) {
          call = first.adopt(cancellation);
          first = undefined;
          resolve({ parked: call });
        }
        // An ask after the call ended (a stray branch of a provider) finds nobody to answer it.
        return call ? call.ask(method, asked) : Promise.reject(new Error('the call already ended'));
      },
    });
    work(inner, params).then(
      (result) => {
        first = undefined;
        return call ? call.settle({ result }) : resolve({ result });
      },
      (error: unknown) => {
        first = undefined;
        return call ? call.settle({ error }) : reject(error);
      },
    );
  });
}

/**
 * What turns `call` into a task once its first input is answered. A function of its own, for the
 * reason startCall is: the call keeps it while parked, and then the task keeps the call.
 */
function escalationOf(call: ParkedCall, { tasks, owner }: Escalation): () => Promise<JsonObject> {
  return () => tasks.adopt(call, owner);
}

/** The task a call becomes once its first input is answered (tasks extension, plan `after-input`). */
interface Escalation {
  tasks: Tasks;
  owner: TaskOwner;
}

/** Runs a request as the dispatcher would, with the context and params given. */
export type Work = (ctx: RequestContext, params: JsonObject) => Promise<RawJson>;

/** Ends an admitted round (its slot given back, how it ended audited): `error` when it failed. */
export type EndRound = (error?: unknown) => void;

/**
 * Admits one round of a request (a first request, or a `retry` carrying requestState) before it
 * starts or resumes a call; throws the refusal (Forbidden, RateLimited…).
 */
export type AdmitRound = (
  ctx: RequestContext,
  method: string,
  params: JsonObject,
  retry: boolean,
) => Promise<EndRound>;

export interface InputRequiredOptions {
  bus: Bus;
  codec: RequestStateCodec;
  /** How long a parked call (and its requestState) waits for the retry. */
  ttlMs: number;
  /** How many calls one caller may have waiting for input at once (on this replica). */
  maxParkedPerCaller: number;
  /** What turns the calls of clients that opted into the tasks extension into tasks. */
  tasks?: Tasks;
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
  /** What gives back a parked call's place among its caller's, by call id: from its first park to its end. */
  private readonly places = new Map<string, () => void>();
  private readonly parked: CappedCounts;
  private readonly relay: ResumeRelay;

  constructor(private readonly options: InputRequiredOptions) {
    this.parked = new CappedCounts(options.maxParkedPerCaller);
    this.relay = new ResumeRelay(options.bus, (resumption, emit, cancellation, accepted) =>
      this.resumeHere(resumption, emit, cancellation, accepted),
    );
  }

  start(): Promise<() => void> {
    return this.relay.start();
  }

  /** Cancels every parked call (shutdown): their clients' retries will find them lost. */
  close(): void {
    for (const call of this.calls.values()) {
      call.cancel('the gateway is shutting down');
      this.forget(call);
    }
  }

  /** True when this request is answered through `serve`: a 2026 request that may ask, not already served. */
  serves(ctx: RequestContext, method: string): boolean {
    return mayAsk(method) && isModernVersion(ctx.session.protocolVersion) && !ctx.ask;
  }

  /**
   * Answers a request that may ask its client for input: a new call, or the retry of a parked
   * one. Each round is admitted first, and holds its in-flight slot only while it is served.
   */
  async serve(
    ctx: RequestContext,
    method: string,
    params: JsonObject,
    { work, admit }: { work: Work; admit: AdmitRound },
  ): Promise<RoundAnswer> {
    refuseForeignFields(method, params);
    const { responses = {}, state } = retryFields(params);
    const end = await admit(ctx, method, params, state !== undefined);
    try {
      const answer = await this.serveAdmitted(ctx, method, params, work, responses, state);
      end();
      return answer;
    } catch (err) {
      end(err);
      throw err;
    }
  }

  private serveAdmitted(
    ctx: RequestContext,
    method: string,
    params: JsonObject,
    work: Work,
    responses: JsonObject,
    state: string | undefined,
  ): Promise<RoundAnswer> {
    const request = { principal: ctx.caller.principal, method, params };
    if (state !== undefined) {
      const round = this.options.codec.verify(state, request);
      const resumption = {
        call: round.call,
        round: round.round,
        principal: request.principal,
        responses,
        progressToken: progressTokenOf(params),
      };
      return round.replica === this.options.bus.replicaId
        ? this.resumeHere(resumption, ctx.emit, ctx.cancellation, () => {})
        : this.relay.pass(round.replica, resumption, ctx.emit, ctx.cancellation.signal);
    }
    const { tasks } = this.options;
    const plan = tasks?.plan(ctx, method, params);
    const identity = callIdentity(request);
    const forwarded = withoutRetryFields(params);
    if (!tasks || plan === undefined) return this.firstRound(ctx, identity, forwarded, work, responses);
    const owner = { caller: ctx.caller, sessionId: ctx.session.id, tool: tasks.toolOf(ctx, method, params) };
    if (plan === 'now') {
      const call = new ParkedCall(identity, ctx.session.clientCapabilities);
      return tasks.adopt(call, owner, () => startCall(call, parkable(ctx), forwarded, work));
    }
    return this.firstRound(ctx, identity, forwarded, work, responses, { tasks, owner });
  }

  /**
   * Serves the first round of a call. The parked call is made only when the call first asks:
   * registered, escalated to a task after its first input if planned, and served from then on.
   */
  private async firstRound(
    ctx: RequestContext,
    identity: CallIdentity,
    forwarded: JsonObject,
    work: Work,
    responses: JsonObject,
    escalation?: Escalation,
  ): Promise<RoundAnswer> {
    const { emit, cancellation } = ctx;
    const capabilities = ctx.session.clientCapabilities;
    let served: Promise<RoundAnswer> | undefined;
    const adopt = (taken: AbortableCancellation) => {
      const call = new ParkedCall(identity, capabilities, taken);
      if (escalation) call.escalate = escalationOf(call, escalation);
      this.calls.set(call.id, call);
      served = this.round(call, emit, cancellation, responses, () => mayPark(forwarded));
      return call;
    };
    const round = { base: parkable(ctx), cancellation: abortingWith(cancellation, ctx.abort), emit, adopt };
    const first = await runUntilAsked(round, forwarded, work);
    return 'result' in first ? first.result : (served as Promise<RoundAnswer>);
  }

  private async resumeHere(
    resumption: Resumption,
    emit: Emit,
    cancellation: Cancellable,
    accepted: () => void,
  ): Promise<RoundAnswer> {
    const call = this.calls.get(resumption.call);
    if (!call || call.identity.principal !== resumption.principal)
      throw new ParkedCallLost('it ended, expired or its replica restarted');
    if (call.serving || call.round !== resumption.round)
      throw rejectState('replayed', 'this round of the call was already answered');
    call.deliver(resumption.responses);
    accepted();
    const { escalate } = call;
    if (escalate) {
      call.escalate = undefined;
      this.forget(call);
      return escalate();
    }
    return this.round(
      call,
      progressUnder(resumption.progressToken, emit),
      cancellation,
      resumption.responses,
      () => true,
    );
  }

  /**
   * Serves one round of `call`: its result, or an input_required result with a state for the next
   * round. A call whose params are too large to keep (`small()` false) is cancelled instead of parked;
   * the size is measured only then, so calls that never ask pay nothing for it.
   */
  private async round(
    call: ParkedCall,
    emit: Emit,
    cancellation: Cancellable,
    offered: JsonObject,
    small: () => boolean,
  ): Promise<RoundAnswer> {
    try {
      const end = await call.serve(emit, cancellation, offered);
      if (end.kind === 'complete') {
        this.forget(call);
        return end.result;
      }
      if (!small()) {
        call.cancel('its request is too large to wait for client input');
        throw tooLargeToPark();
      }
      this.holdPlace(call);
      const expires = Date.now() + this.options.ttlMs;
      call.park(this.options.ttlMs, () => this.forget(call));
      const requestState = this.options.codec.sign(
        { call: call.id, replica: this.options.bus.replicaId, round: end.round, expires },
        call.identity,
      );
      return { resultType: 'input_required', inputRequests: end.inputRequests, requestState };
    } catch (err) {
      this.forget(call);
      throw err;
    }
  }

  /** A call about to park takes a place among its caller's parked calls (kept until it ends), or is cancelled. */
  private holdPlace(call: ParkedCall): void {
    if (this.places.has(call.id)) return;
    const place = this.parked.take(call.identity.principal);
    if (!place) {
      call.cancel('its caller has too many calls waiting for input');
      throw new FleetError(
        'RateLimited',
        `Too many parked input_required calls for this caller (limit ${this.parked.cap}): answer or abandon one first`,
        { data: { limit: this.parked.cap } },
      );
    }
    this.places.set(call.id, place);
  }

  /** The call ended (completed, failed, expired or cancelled): it names nothing any more. */
  private forget(call: ParkedCall): void {
    this.calls.delete(call.id);
    this.places.get(call.id)?.();
    this.places.delete(call.id);
  }
}
