import { randomBytes } from 'node:crypto';
import { FleetError, type WireError } from '@mcp-fleet/contract';
import { type Cancellable, Cancellation } from '../engine/cancellation.js';
import { RelayedError, wireErrorOf } from '../protocol/errors.js';
import { type JsonObject, type JsonRpcMessage, RawJson } from '../protocol/messages.js';
import type { Bus } from '../session/types.js';
import type { Emit } from './parked-call.js';

/** What a round answers: the call's result, or an input_required result (with its requestState). */
export type RoundAnswer = RawJson | JsonObject;

/** A retry as the replica holding its call receives it. */
export interface Resumption {
  call: string;
  round: number;
  principal: string;
  responses: JsonObject;
  /** The retry's own progress token, if it has one. */
  progressToken?: unknown;
}

/**
 * Serves a resumption on the holding replica: `accepted` is called once the responses were taken
 * (before the round runs); notifications go to `emit`; `cancellation` aborts when the retry's client left.
 */
export type ServeResumption = (
  resumption: Resumption,
  emit: Emit,
  cancellation: Cancellable,
  accepted: () => void,
) => Promise<RoundAnswer>;

const channelOf = (replica: string) => `mcpfleet:input-required:${replica}`;

/**
 * How long the replica holding a parked call has to take a retry passed to it. Over Redis on one
 * network that takes about a millisecond; silence this long means the replica is gone.
 */
const ACCEPT_TIMEOUT_MS = 1_000;
/** While it serves a passed-on round, the holder says so this often; silence for SILENCE_LIMIT_MS means it died. */
const ALIVE_EVERY_MS = 5_000;
const SILENCE_LIMIT_MS = 15_000;

/**
 * The parked call is gone with its replica (or ended): its requestState names nothing any more, and
 * the client must send the original request again, without inputResponses or requestState.
 */
export class ParkedCallLost extends FleetError {
  constructor(detail: string) {
    super(
      'InvalidParams',
      `The call this requestState belongs to was lost (${detail}): retry the request from scratch`,
      {
        data: { reason: 'lost' },
      },
    );
  }
}

const relayed = (error: JsonObject) => {
  const wire = error as unknown as WireError;
  return new RelayedError(Number(wire.code), String(wire.message), wire.data);
};

const cancelled = () => new FleetError('InternalError', 'the request was cancelled');

/**
 * Carries retries of input_required results between replicas over the bus: the replica a retry
 * lands on passes it to the one holding the parked call, which takes it (or refuses it), streams
 * the round's notifications back, says it is alive while the round runs, and sends its answer.
 */
export class ResumeRelay {
  /** Retries passed to other replicas, by ticket: what their messages are handed to. */
  private readonly waiting = new Map<string, (payload: JsonObject) => void>();
  /** Rounds served here for retries on other replicas, by ticket: aborted when that client leaves. */
  private readonly serving = new Map<string, Cancellation>();

  constructor(
    private readonly bus: Bus,
    private readonly serve: ServeResumption,
  ) {}

  start(): Promise<() => void> {
    return this.bus.subscribe(channelOf(this.bus.replicaId), (payload) => {
      const ticket = String(payload.ticket);
      if (payload.type === 'resume') return this.serveFor(payload);
      if (payload.type === 'cancel')
        return this.serving.get(ticket)?.abort(new Error('the client of the retry went away'));
      this.waiting.get(ticket)?.(payload);
    });
  }

  /** Passes a retry to `replica` and answers with what it sends back; `signal` aborts when the client leaves. */
  pass(replica: string, resumption: Resumption, emit: Emit, signal: AbortSignal): Promise<RoundAnswer> {
    // A client that left while its retry was admitted has nobody for the round to answer.
    if (signal.aborted) return Promise.reject(cancelled());
    const ticket = randomBytes(12).toString('base64url');
    return new Promise<RoundAnswer>((resolve, reject) => {
      let taken = false;
      let timer: NodeJS.Timeout | undefined;
      const end = (settle: () => void) => {
        clearTimeout(timer);
        this.waiting.delete(ticket);
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      const expectWithin = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(
          () =>
            end(() =>
              reject(
                new ParkedCallLost(
                  taken
                    ? `replica ${replica} stopped answering while it resumed the call`
                    : `replica ${replica} does not answer`,
                ),
              ),
            ),
          ms,
        );
      };
      const onAbort = () => {
        this.bus.publish(channelOf(replica), { type: 'cancel', ticket });
        end(() => reject(cancelled()));
      };
      this.waiting.set(ticket, (payload) => {
        if (payload.type === 'event') emit(payload.message as unknown as JsonRpcMessage);
        if (payload.type === 'accepted') taken = true;
        if (payload.type !== 'answer') return expectWithin(SILENCE_LIMIT_MS);
        end(() => {
          if (payload.error) reject(relayed(payload.error as JsonObject));
          else if (typeof payload.result === 'string') resolve(new RawJson(payload.result));
          else resolve(payload.inputRequired as JsonObject);
        });
      });
      signal.addEventListener('abort', onAbort, { once: true });
      expectWithin(ACCEPT_TIMEOUT_MS);
      this.bus.publish(channelOf(replica), {
        type: 'resume',
        ticket,
        replyTo: this.bus.replicaId,
        ...resumption,
      } as unknown as JsonObject);
    });
  }

  /** Serves a retry another replica passed here, answering on that replica's channel. */
  private async serveFor(payload: JsonObject): Promise<void> {
    const ticket = String(payload.ticket);
    const reply = (message: JsonObject) =>
      this.bus.publish(channelOf(String(payload.replyTo)), { ...message, ticket });
    const cancellation = new Cancellation();
    this.serving.set(ticket, cancellation);
    const alive = setInterval(() => reply({ type: 'alive' }), ALIVE_EVERY_MS);
    try {
      const answer = await this.serve(
        {
          call: String(payload.call),
          round: Number(payload.round),
          principal: String(payload.principal),
          responses: (payload.responses ?? {}) as JsonObject,
          progressToken: payload.progressToken,
        },
        (message) => reply({ type: 'event', message: message as unknown as JsonObject }),
        cancellation,
        () => reply({ type: 'accepted' }),
      );
      reply(
        answer instanceof RawJson
          ? { type: 'answer', result: answer.text }
          : { type: 'answer', inputRequired: answer },
      );
    } catch (err) {
      reply({ type: 'answer', error: wireErrorOf(err) as unknown as JsonObject });
    } finally {
      clearInterval(alive);
      this.serving.delete(ticket);
    }
  }
}
