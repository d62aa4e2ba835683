import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** BM25 parameters (the usual values): term-frequency saturation and length normalisation. */
const K1 = 1.2;
const B = 0.75;
/** Postings scored (or candidates weighed) between two yields to the event loop, so a huge catalog never stalls other requests. */
const STEPS_PER_SLICE = 4096;

/** Higher score first; equal scores in name order, so answers do not depend on indexing order. */
const before = (a: Scored, b: Scored) => a.score > b.score || (a.score === b.score && a.key < b.key);

/** A document's fields as weighted term lists: a term in a tool's name counts more than one in its description. */
export type WeightedTerms = readonly { terms: readonly string[]; weight: number }[];

export interface Scored {
  key: string;
  score: number;
}

/**
 * The documents one audience may see: what it is scored among, so nothing of the others (how
 * many use a term, how long they are) shows in its answers.
 */
export interface Audience {
  keys: ReadonlySet<string>;
  totalLength: number;
}

interface Doc {
  key: string;
  length: number;
  terms: Map<string, number>;
}

/**
 * An inverted index ranked by BM25 (weighted field term frequencies, BM25F-style), updated one
 * document at a time: adding or removing a document touches only its own terms.
 */
export class TextIndex {
  private readonly docs = new Map<string, Doc>();
  private readonly postings = new Map<string, Map<string, number>>();

  get size(): number {
    return this.docs.size;
  }

  set(key: string, fields: WeightedTerms): void {
    this.remove(key);
    const terms = new Map<string, number>();
    let length = 0;
    for (const { terms: list, weight } of fields) {
      for (const term of list) {
        terms.set(term, (terms.get(term) ?? 0) + weight);
        length += weight;
      }
    }
    this.docs.set(key, { key, length, terms });
    for (const [term, tf] of terms) {
      let posting = this.postings.get(term);
      if (!posting) {
        posting = new Map();
        this.postings.set(term, posting);
      }
      posting.set(key, tf);
    }
  }

  remove(key: string): void {
    const doc = this.docs.get(key);
    if (!doc) return;
    this.docs.delete(key);
    for (const term of doc.terms.keys()) {
      const posting = this.postings.get(term);
      posting?.delete(key);
      if (posting?.size === 0) this.postings.delete(term);
    }
  }

  /** The documents `keep` accepts, asked of each once, yielding to the event loop between slices. */
  async audience(keep: (key: string) => boolean): Promise<Audience> {
    const keys = new Set<string>();
    let totalLength = 0;
    let steps = 0;
    for (const doc of this.docs.values()) {
      if (++steps % STEPS_PER_SLICE === 0) await yieldToLoop();
      if (!keep(doc.key)) continue;
      keys.add(doc.key);
      totalLength += doc.length;
    }
    return { keys, totalLength };
  }

  /**
   * The `limit` best documents of `among` matching some query term, best first, scored with the
   * statistics of `among` alone. Scoring and selection both yield to the event loop every few
   * thousand steps.
   */
  async top(queryTerms: readonly string[], limit: number, among: Audience): Promise<Scored[]> {
    const scores = await this.scores(queryTerms, among);
    const best: Scored[] = [];
    let steps = 0;
    for (const [key, score] of scores) {
      if (++steps % STEPS_PER_SLICE === 0) await yieldToLoop();
      const last = best[best.length - 1];
      if (best.length === limit && last && !before({ key, score }, last)) continue;
      const at = best.findIndex((entry) => before({ key, score }, entry));
      best.splice(at === -1 ? best.length : at, 0, { key, score });
      if (best.length > limit) best.pop();
    }
    return best;
  }

  /** BM25 score of every document of `among` matching some query term, among it alone. */
  private async scores(queryTerms: readonly string[], among: Audience): Promise<Map<string, number>> {
    const scores = new Map<string, number>();
    const n = among.keys.size;
    if (n === 0) return scores;
    const averageLength = among.totalLength / n || 1;
    let steps = 0;
    for (const term of new Set(queryTerms)) {
      const posting = [...(this.postings.get(term) ?? [])].filter(([key]) => among.keys.has(key));
      if (posting.length === 0) continue;
      const idf = Math.log(1 + (n - posting.length + 0.5) / (posting.length + 0.5));
      for (const [key, tf] of posting) {
        const length = this.docs.get(key)?.length ?? averageLength;
        const part = (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / averageLength));
        scores.set(key, (scores.get(key) ?? 0) + part);
        if (++steps % STEPS_PER_SLICE === 0) await yieldToLoop();
      }
    }
    return scores;
  }
}
