/**
 * Credentials verified once and remembered until they expire: a client presents the same token or
 * key on every call, and checking its signature or hash costs more than the rest of the call's
 * authentication. Only what verified is stored, so guesses cannot fill it, and a lookup is by the
 * whole credential, so a hit tells timing nothing the asker does not already hold.
 */
export class VerifiedCache<T> {
  private entries = new Map<string, { value: T; until: number }>();

  /**
   * `max` bounds the entries (all are dropped when it is reached: a burst of distinct credentials
   * costs re-verification, never memory); `maxAgeMs` bounds how long a verification stands, for
   * sources whose revocations this process is not told of.
   */
  constructor(
    private readonly max = 10_000,
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
  ) {}

  /** What `credential` verified as, unless that has expired. */
  get(credential: string, now = Date.now()): T | undefined {
    const hit = this.entries.get(credential);
    return hit !== undefined && hit.until > now ? hit.value : undefined;
  }

  /** Remembers a verified credential until `expiresAt` (epoch ms) or `maxAgeMs` from now, whichever is first. */
  set(credential: string, value: T, expiresAt = Number.POSITIVE_INFINITY, now = Date.now()): void {
    if (this.entries.size >= this.max && !this.entries.has(credential)) this.entries.clear();
    this.entries.set(credential, { value, until: Math.min(expiresAt, now + this.maxAgeMs) });
  }

  /** Forgets everything: the keys it was verified with may have changed. */
  clear(): void {
    this.entries.clear();
  }
}
