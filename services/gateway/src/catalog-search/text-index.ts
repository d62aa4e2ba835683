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
  private totalLength = 0;

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
    this.totalLength += length;
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
    this.totalLength -= doc.length;
    for (const term of doc.terms.keys()) {
      const posting = this.postings.get(term);
      posting?.delete(key);
      if (posting?.size === 0) this.postings.delete(term);
    }
  }

  /**
   * The `limit` best documents matching some query term that `keep` accepts, best first. Scoring
   * and selection both yield to the event loop every few thousand steps; `keep` is asked only of
   * documents that would enter the selection, each once.
   */
  async top(queryTerms: readonly string[], limit: number, keep: (key: string) => boolean): Promise<Scored[]> {
    const scores = await this.scores(queryTerms);
    const best: Scored[] = [];
    let steps = 0;
    for (const [key, score] of scores) {
      if (++steps % STEPS_PER_SLICE === 0) await yieldToLoop();
      const last = best[best.length - 1];
      if (best.length === limit && last && !before({ key, score }, last)) continue;
      if (!keep(key)) continue;
      const at = best.findIndex((entry) => before({ key, score }, entry));
      best.splice(at === -1 ? best.length : at, 0, { key, score });
      if (best.length > limit) best.pop();
    }
    return best;
  }

  /** BM25 score of every document matching some query term. */
  private async scores(queryTerms: readonly string[]): Promise<Map<string, number>> {
    const scores = new Map<string, number>();
    const n = this.docs.size;
    if (n === 0) return scores;
    const averageLength = this.totalLength / n || 1;
    let steps = 0;
    for (const term of new Set(queryTerms)) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5));
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
