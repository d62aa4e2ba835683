import { randomBytes } from 'node:crypto';
import { type AbortableCancellation, type Cancellable, Cancellation } from '../engine/cancellation.js';
import type { JsonObject, JsonRpcMessage, RawJson } from '../protocol/messages.js';
import {
  checkedResponse,
  type InputRequest,
  inputRequestOf,
  isGatewayQuestion,
  keyPrefixOf,
  missingCapability,
  missingCapabilityError,
} from './input-requests.js';
import type { CallIdentity } from './request-state.js';

/**
 * How asks issued together are gathered into one input_required: a round ends this long after the
 * latest ask (so `Promise.all` of several asks, arriving as separate provider frames within a few
 * milliseconds, becomes one result), but never later than MAX_COALESCE_MS after its first ask.
 */
const COALESCE_MS = 20;
const MAX_COALESCE_MS = 200;

/** How one round of a call ended without an error. */
export type RoundEnd =
  | { kind: 'complete'; result: RawJson }
  | { kind: 'input_required'; inputRequests: Record<string, InputRequest>; round: number };

/** Where a round's notifications (progress, logs) go: the request being answered now. */
export type Emit = (message: JsonRpcMessage) => void;

interface Ask {
  request: InputRequest;
  /** A question of the gateway's own (an approval): answered only once a round showed it. */
  gateway: boolean;
  resolve(answer: JsonObject): void;
  reject(error: Error): void;
}

/** How a call ended: its result, or its error. */
type Settled = { result: RawJson } | { error: unknown };

/**
 * Call ids need only be unique on their replica (the requestState naming one is signed): a random
 * prefix per process and a counter, instead of a random draw per call.
 */
const ID_PREFIX = randomBytes(9).toString('base64url');
let callCount = 0;

/**
 * One provider call of a 2026-07-28 request that asks its client for input. The call keeps running
 * across requests: each request serves one round, which ends when the call does (its result or
 * error) or when it waits for answers (an input_required listing them). Between rounds it is
 * parked until a retry answers, or until it expires and is cancelled.
 */
export class ParkedCall {
  readonly id = `${ID_PREFIX}${(++callCount).toString(36)}`;
  /** Set when the call becomes a task once its first input is answered (tasks extension). */
  escalate?: () => Promise<JsonObject>;
  /** The rounds answered input_required so far; a retry must answer the latest. */
  round = 0;
  /** Asks waiting for an answer, by key. */
  private readonly asks = new Map<string, Ask>();
  private readonly usedKeys = new Set<string>();
  /** The keys of asks a round ended on: what the client was shown and may answer. */
  private readonly shown = new Set<string>();
  private settled?: Settled;
  private wake?: () => void;
  private emitTo?: Emit;
  private coalesceTimer?: NodeJS.Timeout;
  private firstAskAt?: number;
  private expiryTimer?: NodeJS.Timeout;
  /**
   * The inputResponses of the request being served: an ask made during its round whose key has
   * one is answered at once. Kept for that round only, and only the keys asked for are read.
   */
  private offered?: JsonObject;

  constructor(
    readonly identity: CallIdentity,
    private readonly capabilities: JsonObject,
    /**
     * What cancels the call: its own, or (a call parked at its first ask) the abort of the request
     * it started in, taken over so that the call outlives that request.
     */
    private readonly cancellation: AbortableCancellation = new Cancellation(),
  ) {}

  /** What the call's provider work sees: aborted when the call is cancelled. */
  get cancellable(): Cancellable {
    return this.cancellation;
  }

  /** What the call asks and is still unanswered, by key. */
  get pending(): Record<string, InputRequest> {
    return Object.fromEntries([...this.asks].map(([key, ask]) => [key, ask.request]));
  }

  /** True while a request is being answered from this call. */
  get serving(): boolean {
    return this.wake !== undefined;
  }

  start(work: () => Promise<RawJson>): void {
    work().then(
      (result) => this.settle({ result }),
      (error: unknown) => this.settle({ error }),
    );
  }

  emit(message: JsonRpcMessage): void {
    this.emitTo?.(message);
  }

  /** What the call's provider asks the client: answered by a later request (or a prefilled answer). */
  ask(method: string, params: JsonObject): Promise<JsonObject> {
    // A cancelled call asks nobody: it would park again with no client to answer.
    if (this.cancellation.aborted) return Promise.reject(this.cancellation.reason);
    try {
      const { request, key } = inputRequestOf(method, params);
      const missing = missingCapability(request, this.capabilities);
      if (missing) throw this.fail(missingCapabilityError(missing));
      const unique = this.uniqueKey(key ?? keyPrefixOf(method));
      const gateway = isGatewayQuestion(params);
      // A prefilled answer serves a provider's ask; the gateway's own questions are never answered blind.
      if (!gateway && this.offered && Object.hasOwn(this.offered, unique))
        return Promise.resolve(this.checked(unique, method, this.offered[unique]));
      return new Promise<JsonObject>((resolve, reject) => {
        this.asks.set(unique, { request, gateway, resolve, reject });
        this.asked();
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Answers the asks `responses` has keys for (others are ignored, as are answers to a gateway
   * question no round showed yet); refuses all of them (-32602), answering none, when one is malformed.
   */
  deliver(responses: JsonObject): void {
    const answered = [...this.asks].flatMap(([key, ask]) =>
      Object.hasOwn(responses, key) && (!ask.gateway || this.shown.has(key))
        ? [{ key, ask, answer: checkedResponse(key, ask.request.method, responses[key]) }]
        : [],
    );
    for (const { key, ask, answer } of answered) {
      this.asks.delete(key);
      ask.resolve(answer);
    }
  }

  /**
   * Serves one round to the request being answered: its notifications go to `emit`, the asks it
   * makes are answered from `offered` when it has their keys; an abort of `cancellation` (the client
   * went away) cancels the call. Throws the call's error when it failed.
   */
  async serve(emit: Emit, cancellation: Cancellable, offered: JsonObject): Promise<RoundEnd> {
    clearTimeout(this.expiryTimer);
    this.emitTo = emit;
    this.offered = offered;
    const onAbort = () => this.cancel('the client closed the request');
    const unsubscribe = cancellation.onAbort(onAbort);
    if (cancellation.aborted) onAbort();
    try {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        if (this.settled) resolve();
        else if (this.asks.size > 0) this.asked();
      });
    } finally {
      unsubscribe();
      clearTimeout(this.coalesceTimer);
      this.wake = this.emitTo = this.firstAskAt = this.offered = undefined;
    }
    if (this.settled && 'result' in this.settled) return { kind: 'complete', result: this.settled.result };
    if (this.settled) {
      this.cancel('the call failed');
      throw this.settled.error;
    }
    this.round += 1;
    for (const key of this.asks.keys()) this.shown.add(key);
    return { kind: 'input_required', inputRequests: this.pending, round: this.round };
  }

  /** Parks the call between rounds: unless a round starts within `ttlMs`, it is cancelled. */
  park(ttlMs: number, onExpired: () => void): void {
    this.expiryTimer = setTimeout(() => {
      this.cancel('no retry answered its input_required in time');
      onExpired();
    }, ttlMs);
    this.expiryTimer.unref();
  }

  /** Cancels the provider call (and whatever still waits for an answer). */
  cancel(reason: string): void {
    clearTimeout(this.expiryTimer);
    if (!this.cancellation.aborted) this.cancellation.abort(new Error(reason));
    for (const ask of this.asks.values()) ask.reject(new Error(reason));
    this.asks.clear();
  }

  private checked(key: string, method: string, answer: unknown): JsonObject {
    try {
      return checkedResponse(key, method, answer);
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** Ends the round being served with `error` (the call is then cancelled). */
  private fail(error: unknown): unknown {
    this.settle({ error });
    return error;
  }

  /** The call's work ended: the round being served (or the next one) answers with how. */
  settle(outcome: Settled): void {
    this.settled ??= outcome;
    this.wake?.();
  }

  /** A new ask, or asks left unanswered: the round ends once no other ask follows shortly. */
  private asked(): void {
    if (!this.wake) return;
    const now = Date.now();
    this.firstAskAt ??= now;
    clearTimeout(this.coalesceTimer);
    const wait = Math.max(0, Math.min(COALESCE_MS, this.firstAskAt + MAX_COALESCE_MS - now));
    this.coalesceTimer = setTimeout(() => this.wake?.(), wait);
  }

  /** The key an ask gets: the provider's choice or its kind, numbered when already used in this call. */
  private uniqueKey(wanted: string): string {
    let key = wanted;
    for (let n = 2; this.usedKeys.has(key); n++) key = `${wanted}_${n}`;
    this.usedKeys.add(key);
    return key;
  }
}
