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
 * A Prometheus counter whose series are plain numbers, bound once (or found by a key the caller
 * names them with) and copied into prom-client when scraped. prom-client hashes and checks the
 * labels of every `inc`, bound child or not (about a microsecond), and the gateway counts several
 * times per call. Only for labels of a bounded set: a key must never come from a client's text.
 */
export class BoundCounter<L extends string> {
  private readonly byKey = new Map<string, CounterSeries<L>>();

  constructor(config: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] }) {
    const series = this.byKey;
    new Counter<L>({
      ...config,
      collect() {
        this.reset();
        // A series bound but never counted is not shown, as prom-client shows none before its first inc.
        for (const { labels, value } of series.values()) if (value > 0) this.inc(labels, value);
      },
    });
  }

  /** The series `key` names, whose labels are `labels` (read only when it is new). */
  series(key: string, labels: LabelValues<L>): CounterSeries<L> {
    let series = this.byKey.get(key);
    if (series === undefined) {
      series = new CounterSeries(labels);
      this.byKey.set(key, series);
    }
    return series;
  }

  /** Adds 1 to the series `key` names. */
  inc(key: string, labels: LabelValues<L>): void {
    this.series(key, labels).inc();
  }
}
