import { InflightTable } from '@mcp-fleet/runtime';

/**
 * Counts per key up to a cap: what is taken is given back by the function `take` returns. A key
 * comes and goes with its first and last call in flight: an InflightTable, not a Map.
 */
export class CappedCounts {
  private readonly counts = new InflightTable<number>();

  constructor(readonly cap: number) {}

  /** A release function (harmless to call twice), or undefined when `key` is at the cap. */
  take(key: string): (() => void) | undefined {
    const count = this.counts.get(key) ?? 0;
    if (count >= this.cap) return undefined;
    this.counts.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left === 0) this.counts.delete(key);
      else this.counts.set(key, left);
    };
  }
}
