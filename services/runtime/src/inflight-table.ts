/**
 * What is in flight (calls, requests, responses), by key, for tables that gain and lose an entry
 * on every call. Not a Map or Set: on Node 20 a long-lived Map or Set that keeps gaining and
 * losing entries makes V8 promote everything it ever held to the old generation (V8 links each
 * hash table a Map outgrows to the one replacing it, so one promoted table keeps every later one,
 * and the entries in them, alive until a full collection). A gateway serving 8,000 calls/s through
 * such tables promoted every request it served, ~450 MB a minute, and spent a fifth of its CPU in
 * the collector (bench/results/levers-2026-12-01.md). A null-prototype object's dictionary has
 * no such link: the same churn promotes nothing.
 *
 * Keys are strings or numbers (numbers are kept as their decimal strings); `add` takes keys of
 * its own, so a table uses either keys it is given or `add`, not both.
 */
export class InflightTable<V> {
  private entries: Record<string, V> = Object.create(null);
  private count = 0;
  private nextKey = 0;

  get size(): number {
    return this.count;
  }

  get(key: string | number): V | undefined {
    return this.entries[key];
  }

  has(key: string | number): boolean {
    return key in this.entries;
  }

  set(key: string | number, value: V): void {
    if (!(key in this.entries)) this.count++;
    this.entries[key] = value;
  }

  /** Holds `value` under a key of the table's own, which it returns for `delete`. */
  add(value: V): number {
    const key = this.nextKey++;
    this.set(key, value);
    return key;
  }

  delete(key: string | number): boolean {
    if (!(key in this.entries)) return false;
    delete this.entries[key];
    this.count--;
    return true;
  }

  /** A copy: the table may change while the caller goes through it. */
  values(): V[] {
    return Object.values(this.entries);
  }

  /** A copy, keys as strings. */
  list(): [string, V][] {
    return Object.entries(this.entries);
  }
}
