import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { JsonObject } from '../protocol/messages.js';
import { expandQuery } from './synonyms.js';
import { type Audience, type Scored, TextIndex, type WeightedTerms } from './text-index.js';
import { tokenize } from './tokenize.js';

/** Tools indexed between two yields to the event loop while the catalog changes. */
const TOOLS_PER_SLICE = 256;

/** Audiences (sets of tools some callers see) kept between searches. */
const MAX_AUDIENCES = 64;

/**
 * Whom a search is for, as far as what it may see goes: searches with the same name and revision
 * (e.g. the same roles under the same policy) see the same tools, so their audience is reused.
 */
export interface Viewer {
  name: string;
  revision: unknown;
  keep(definition: JsonObject): boolean;
}

/** A viewer who sees every tool (benchmarks, tools outside policy). */
const EVERYONE: Viewer = { name: '', revision: Symbol('everyone'), keep: () => true };

interface KnownAudience {
  revision: unknown;
  definitions: Map<string, JsonObject>;
  audience: Promise<Audience>;
}

/** Characters of each text indexed: a description's first lines say what the tool does, and a provider cannot make indexing cost what it likes. */
const MAX_FIELD_CHARS = 2048;

const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, MAX_FIELD_CHARS) : '');

function argumentNames(definition: JsonObject): string[] {
  const schema = definition.inputSchema as { properties?: unknown } | undefined;
  const properties = schema?.properties;
  return properties && typeof properties === 'object' ? Object.keys(properties) : [];
}

/** What the index reads of a tool: its name, title, description and argument names, weighted. */
function fieldsOf(definition: JsonObject): { signature: string; fields: WeightedTerms } {
  const name = text(definition.name);
  const title = text(definition.title);
  const description = text(definition.description);
  const args = argumentNames(definition).join(' ');
  return {
    signature: [name, title, description, args].join('\u0000'),
    fields: [
      { terms: tokenize(name), weight: 3 },
      { terms: tokenize(title), weight: 2 },
      { terms: tokenize(description), weight: 1 },
      { terms: tokenize(args), weight: 1.5 },
    ],
  };
}

/**
 * The text index over the tools the gateway serves, kept in step with the catalog: when the
 * list changes, only tools whose indexed text changed are re-indexed, in slices between which
 * other requests run. Searches never rebuild; they wait for an update already under way.
 */
export class ToolIndex {
  private readonly index = new TextIndex();
  private readonly signatures = new Map<string, string>();
  private definitions = new Map<string, JsonObject>();
  private seen: readonly JsonObject[][] = [];
  private updating: Promise<void> = Promise.resolve();
  private readonly audiences = new Map<string, KnownAudience>();

  /** `source` returns the tool lists served (catalog, workflows): array identity tells a change. */
  constructor(private readonly source: () => JsonObject[][]) {}

  /** Brings the index up to the current catalog (after a list_changed); updates run one at a time. */
  refresh(): Promise<void> {
    // A failed update fails the searches waiting on it, never every later one.
    this.updating = this.updating.catch(() => undefined).then(() => this.update());
    return this.updating;
  }

  /**
   * The `limit` best tools for a query (its first `maxTerms` distinct terms) among those the
   * viewer sees, scored among them alone, as of the latest catalog.
   */
  async rank(
    query: string,
    maxTerms: number,
    limit: number,
    viewer: Viewer = EVERYONE,
  ): Promise<{ definition: JsonObject; score: number }[]> {
    if (this.stale()) void this.refresh();
    await this.updating;
    const terms = expandQuery([...new Set(tokenize(query))].slice(0, maxTerms));
    const definitions = this.definitions;
    const ranked: Scored[] = await this.index.top(terms, limit, await this.audienceOf(viewer));
    return ranked.map(({ key, score }) => ({ definition: definitions.get(key) as JsonObject, score }));
  }

  /** The tools `viewer` sees in the current catalog, reused while neither it nor the catalog changed. */
  private audienceOf(viewer: Viewer): Promise<Audience> {
    const definitions = this.definitions;
    const known = this.audiences.get(viewer.name);
    if (known && known.revision === viewer.revision && known.definitions === definitions)
      return known.audience;
    const audience = this.index.audience((key) => {
      const definition = definitions.get(key);
      return definition !== undefined && viewer.keep(definition);
    });
    this.audiences.delete(viewer.name);
    const oldest = this.audiences.keys().next();
    if (this.audiences.size >= MAX_AUDIENCES && !oldest.done) this.audiences.delete(oldest.value);
    this.audiences.set(viewer.name, { revision: viewer.revision, definitions, audience });
    return audience;
  }

  /** The definition of a tool the index knows, by exact name. */
  async get(name: string): Promise<JsonObject | undefined> {
    if (this.stale()) void this.refresh();
    await this.updating;
    return this.definitions.get(name);
  }

  get size(): number {
    return this.index.size;
  }

  private stale(): boolean {
    const lists = this.source();
    return lists.length !== this.seen.length || lists.some((list, i) => list !== this.seen[i]);
  }

  private async update(): Promise<void> {
    const lists = this.source();
    if (!this.stale()) return;
    const next = new Map<string, JsonObject>();
    let done = 0;
    for (const definition of lists.flat()) {
      const name = String(definition.name);
      next.set(name, definition);
      const { signature, fields } = fieldsOf(definition);
      if (this.signatures.get(name) !== signature) {
        this.index.set(name, fields);
        this.signatures.set(name, signature);
      }
      if (++done % TOOLS_PER_SLICE === 0) await yieldToLoop();
    }
    for (const name of this.signatures.keys()) {
      if (next.has(name)) continue;
      this.index.remove(name);
      this.signatures.delete(name);
    }
    this.definitions = next;
    this.seen = lists;
  }
}
