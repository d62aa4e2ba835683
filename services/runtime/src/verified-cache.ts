/**
 * Credentials verified once and remembered until they expire: a client presents the same token or
 * key on every call, and checking its signature or hash costs more than the rest of the call's
 * authentication. Only what verified is stored, so guesses cannot fill it, and a lookup is by the
 * whole credential, so a hit tells timing nothing the asker does not already hold.
 */
export class VerifiedCache<T> {
  private entries = new Map<string, { value: T; until: number }>();
  /** Counts clears: a verification begun before one used keys that may be gone. */
  private generation = 0;

  /**
   * `max` bounds the entries (all are dropped when it is reached: a burst of distinct credentials
   * costs re-verification, never memory); `maxAgeMs` bounds how long a verification stands, for
   * sources whose revocations this process is not told of; `admits` says which texts may be
   * remembered at all (one spelling per credential: see isCanonicalJws).
   */
  constructor(
    private readonly max = 10_000,
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
    private readonly admits: (credential: string) => boolean = () => true,
  ) {}

  /** What `credential` verified as, unless that has expired. */
  get(credential: string, now = Date.now()): T | undefined {
    const hit = this.entries.get(credential);
    return hit !== undefined && hit.until > now ? hit.value : undefined;
  }

  /**
   * Called before a verification starts: the function it returns remembers what verified, unless
   * the cache was cleared meanwhile (a verification that began with keys since withdrawn must not
   * outlive the withdrawal).
   */
  begin(): (credential: string, value: T, expiresAt?: number) => void {
    const generation = this.generation;
    return (credential, value, expiresAt) => {
      if (this.generation === generation) this.set(credential, value, expiresAt);
    };
  }

  /**
   * Remembers a verified credential until `expiresAt` (epoch ms) or `maxAgeMs` from now, whichever
   * is first; one the cache does not admit is verified again next time.
   */
  set(credential: string, value: T, expiresAt = Number.POSITIVE_INFINITY, now = Date.now()): void {
    if (!this.admits(credential)) return;
    if (this.entries.size >= this.max && !this.entries.has(credential)) this.entries.clear();
    this.entries.set(credential, { value, until: Math.min(expiresAt, now + this.maxAgeMs) });
  }

  /** Forgets everything: the keys it was verified with may have changed. */
  clear(): void {
    this.entries.clear();
    this.generation++;
  }
}

/** Longer than any token a real issuer signs (an RS4096 signature is 683 characters of it). */
const MAX_CACHED_JWS = 8 * 1024;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)$/;

/**
 * Whether a compact JWS is in the one spelling of its bytes: three unpadded base64url segments
 * whose signature re-encodes to itself. A signature is checked over the first two segments as
 * sent, so only the third can be respelled (padding, blanks, unused low bits) and still verify;
 * a cache keyed by text must admit one spelling only.
 */
export function isCanonicalJws(token: string): boolean {
  if (token.length > MAX_CACHED_JWS) return false;
  const signature = COMPACT_JWS.exec(token)?.[1];
  return signature !== undefined && Buffer.from(signature, 'base64url').toString('base64url') === signature;
}
