import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { invalidParams } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';

/** Where the parked call of an input_required result waits, and which round of it a state answers. */
export interface ParkedRound {
  /** The parked call's id, unique on its replica. */
  call: string;
  /** The replica holding the call (its bus id). */
  replica: string;
  /** 1 for the first input_required of a call, one more for each later one. */
  round: number;
  /** When the state (and the call) expires, epoch ms. */
  expires: number;
}

/** The request a state was issued for: a retry must be the same request by the same caller. */
export interface RequestIdentity {
  principal: string;
  method: string;
  params: JsonObject;
}

/** A request's identity as a parked call keeps it: its params only as their digest. */
export interface CallIdentity {
  principal: string;
  method: string;
  digest: string;
}

/**
 * The identity a call keeps. Its digest is computed when first read (when the call parks and its
 * state is signed) and the params are let go then: most calls never ask, and never pay for it.
 */
class LazyCallIdentity implements CallIdentity {
  // Private by the language: copying or serialising an identity never shows the raw params.
  #pending: JsonObject | undefined;
  #digest = '';

  constructor(
    readonly principal: string,
    readonly method: string,
    params: JsonObject,
  ) {
    this.#pending = params;
  }

  get digest(): string {
    if (this.#pending) {
      this.#digest = paramsDigest(this.#pending);
      this.#pending = undefined;
    }
    return this.#digest;
  }
}

export function callIdentity({ principal, method, params }: RequestIdentity): CallIdentity {
  return new LazyCallIdentity(principal, method, params);
}

/** Why a requestState was refused: the `data.reason` of the -32602 error. */
export type StateRejection = 'malformed' | 'signature' | 'expired' | 'principal' | 'request' | 'replayed';

/** The params of a retry that are not the request itself (MRTR fields and the per-request envelope). */
const NOT_THE_REQUEST = new Set(['inputResponses', 'requestState', '_meta']);

const FORMAT = /^v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

/** JSON with object keys sorted at every level: the same request always digests the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as JsonObject)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

const sha256 = (text: string) => hash('sha256', text, 'base64url');

/** The digest of a request's own params: what a retry must repeat byte for byte, as JSON values. */
export function paramsDigest(params: JsonObject): string {
  return sha256(
    canonical(Object.fromEntries(Object.entries(params).filter(([k]) => !NOT_THE_REQUEST.has(k)))),
  );
}

export function rejectState(reason: StateRejection, detail: string) {
  return invalidParams(`Invalid requestState: ${detail}`, { reason });
}

/**
 * Signs and checks the `requestState` of input_required results (HMAC-SHA256 under the key every
 * replica shares). The state is attacker-controlled text coming back: it names the parked call and
 * its replica, and is bound to the caller's principal, the original method and a digest of its
 * params, the round, and an expiry; the client sees those claims, not the key.
 */
export class RequestStateCodec {
  constructor(private readonly key: Buffer) {}

  sign(round: ParkedRound, request: RequestIdentity | CallIdentity): string {
    const payload = Buffer.from(
      JSON.stringify({
        c: round.call,
        r: round.replica,
        n: round.round,
        e: round.expires,
        p: sha256(request.principal),
        m: request.method,
        d: 'digest' in request ? request.digest : paramsDigest(request.params),
      }),
    ).toString('base64url');
    return `v1.${payload}.${this.mac(payload)}`;
  }

  /** The round a state names; throws -32602 with `data.reason` when it is not one to accept. */
  verify(state: string, request: RequestIdentity, now = Date.now()): ParkedRound {
    const match = FORMAT.exec(state);
    if (!match?.[1] || !match[2]) throw rejectState('malformed', 'not a state this gateway issued');
    // The text itself is compared, not its decoding: base64url leaves 2 bits of the last character
    // spare, and the same MAC must not verify under four spellings.
    if (!timingSafeEqual(Buffer.from(this.mac(match[1])), Buffer.from(match[2])))
      throw rejectState('signature', 'the signature does not match (tampered or from another gateway)');
    const claims = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as JsonObject;
    if (typeof claims.e !== 'number' || claims.e <= now) throw rejectState('expired', 'it has expired');
    if (claims.p !== sha256(request.principal))
      throw rejectState('principal', 'it was issued to another caller');
    if (claims.m !== request.method || claims.d !== paramsDigest(request.params))
      throw rejectState('request', 'it was issued for another request (method or params differ)');
    return { call: String(claims.c), replica: String(claims.r), round: Number(claims.n), expires: claims.e };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
