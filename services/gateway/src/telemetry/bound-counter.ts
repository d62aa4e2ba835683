import { Counter, type LabelValues, type Registry } from 'prom-client';

/** One series of a BoundCounter: counting is adding to a number. */
export class CounterSeries<L extends string> {
  value = 0;

  constructor(readonly labels: LabelValues<L>) {}

  inc(): void {
    this.value += 1;
  }
}

/**
 * A Prometheus counter whose series are plain numbers, bound once (or found by two keys the caller
 * names them with, never joined into a new string per call) and copied into prom-client when
 * scraped. prom-client hashes and checks the labels of every `inc`, bound child or not (about a
 * microsecond), and the gateway counts several times per call. Only for labels of a bounded set:
 * a key must never come from a client's text.
 */
export class BoundCounter<L extends string> {
  private readonly byKeys = new Map<string, Map<string, CounterSeries<L>>>();

  constructor(config: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] }) {
    const byKeys = this.byKeys;
    new Counter<L>({
      ...config,
      collect() {
        this.reset();
        // A series bound but never counted is not shown, as prom-client shows none before its first inc.
        for (const inner of byKeys.values())
          for (const { labels, value } of inner.values()) if (value > 0) this.inc(labels, value);
      },
    });
  }

  /** The series `first` and `second` name, whose labels are `labels` (read only when it is new). */
  series(first: string, second: string, labels: LabelValues<L>): CounterSeries<L> {
    let inner = this.byKeys.get(first);
    if (inner === undefined) {
      inner = new Map();
      this.byKeys.set(first, inner);
    }
    let series = inner.get(second);
    if (series === undefined) {
      series = new CounterSeries(labels);
      inner.set(second, series);
    }
    return series;
  }

  /** Adds 1 to the series `first` and `second` name. */
  inc(first: string, second: string, labels: LabelValues<L>): void {
    this.series(first, second, labels).inc();
  }
}
