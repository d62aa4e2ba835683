import type { JsonObject } from '../protocol/messages.js';

/** How many base URLs' cards are kept at once (the hosts the edge allows are few). */
const MAX_BASES = 16;

/**
 * Cards by base URL for one catalog and policy revision: the tools an anonymous caller sees are
 * filtered once per revision and each base's body rendered once, so a request naming a new Host
 * costs no pass over the catalog. All is dropped when the revision changes.
 */
export class CardCache {
  private revision: readonly unknown[] = [];
  private tools?: JsonObject[];
  private readonly bodies = new Map<string, string>();

  constructor(
    /** What the card depends on (the tool list, the policy): compared part by part. */
    private readonly revisionOf: () => readonly unknown[],
    private readonly visibleTools: () => JsonObject[],
    private readonly render: (baseUrl: string, tools: JsonObject[]) => string,
    private readonly maxBases = MAX_BASES,
  ) {}

  body(baseUrl: string): string {
    const revision = this.revisionOf();
    if (revision.length !== this.revision.length || revision.some((part, i) => part !== this.revision[i])) {
      this.revision = revision;
      this.tools = undefined;
      this.bodies.clear();
    }
    const cached = this.bodies.get(baseUrl);
    if (cached !== undefined) return cached;
    this.tools ??= this.visibleTools();
    const body = this.render(baseUrl, this.tools);
    const oldest = this.bodies.keys().next();
    if (this.bodies.size >= this.maxBases && !oldest.done) this.bodies.delete(oldest.value);
    this.bodies.set(baseUrl, body);
    return body;
  }
}
