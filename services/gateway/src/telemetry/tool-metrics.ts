import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RawJson } from '../protocol/messages.js';
import { BoundCounter, type CounterSeries } from './bound-counter.js';
import { errorCodeLabel } from './labels.js';

/**
 * Label values no real provider or tool can take (provider names match `^[a-z][a-z0-9-]*$`,
 * exposed tool names `^[A-Za-z0-9_-]+$`): calls to names outside the catalog all share one series.
 */
export const UNKNOWN = '(unknown)';
/** The provider label of workflow tools, which the gateway runs itself. */
export const WORKFLOW_PROVIDER = '(workflow)';

type CounterChild = ReturnType<Counter['labels']>;
type HistogramChild = ReturnType<Histogram['labels']>;
type CallSeries = CounterSeries<'provider' | 'tool' | 'outcome'>;

/** The series of one tool, bound once: a call then costs no label lookup by name. */
export class ToolSeries {
  inflight = 0;
  private readonly errorChildren = new Map<string, CounterChild>();

  constructor(
    readonly provider: string,
    readonly tool: string,
    private readonly ok: CallSeries,
    private readonly toolError: CallSeries,
    private readonly failed: CallSeries,
    private readonly duration: HistogramChild,
    private readonly errors: Counter<'provider' | 'tool' | 'code'>,
  ) {}

  /** Runs one call of this tool: counted by outcome (and error code), timed, in flight meanwhile. */
  async measure(call: () => Promise<RawJson>): Promise<RawJson> {
    this.inflight++;
    const started = performance.now();
    try {
      const result = await call();
      (result.isToolError ? this.toolError : this.ok).inc();
      return result;
    } catch (err) {
      this.failed.inc();
      this.errorChild(errorCodeLabel(err)).inc();
      throw err;
    } finally {
      this.inflight--;
      this.duration.observe((performance.now() - started) / 1000);
    }
  }

  private errorChild(code: string): CounterChild {
    let child = this.errorChildren.get(code);
    if (!child) {
      child = this.errors.labels(this.provider, this.tool, code);
      this.errorChildren.set(code, child);
    }
    return child;
  }
}

/**
 * Per-tool calls, errors, durations and calls in flight, labelled by provider and exposed tool
 * name. Only names of the catalog (and workflows) get series of their own, so clients cannot grow
 * the label set; a tool that leaves the catalog keeps its series (counters must not go back).
 */
export class ToolMetrics {
  readonly unknown: ToolSeries;
  private readonly byName = new Map<string, ToolSeries>();
  /** The series of a catalog route or workflow object: found without building a key per call. */
  private readonly byEntry = new WeakMap<object, ToolSeries>();
  private readonly calls: BoundCounter<'provider' | 'tool' | 'outcome'>;
  private readonly errors: Counter<'provider' | 'tool' | 'code'>;
  private readonly duration: Histogram<'provider' | 'tool'>;

  constructor(registry: Registry) {
    this.calls = new BoundCounter({
      name: 'mcpfleet_tool_calls_total',
      help: 'tools/call requests by provider, exposed tool name and outcome (ok, tool_error: a result with isError, error: a JSON-RPC error)',
      labelNames: ['provider', 'tool', 'outcome'] as const,
      registers: [registry],
    });
    this.errors = new Counter({
      name: 'mcpfleet_tool_call_errors_total',
      help: 'tools/call requests answered with a JSON-RPC error, by provider, tool and error code (other: a code outside the catalogue)',
      labelNames: ['provider', 'tool', 'code'] as const,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'mcpfleet_tool_call_duration_seconds',
      help: 'Time to answer a tools/call request at the gateway (admission, provider call, retry), by provider and tool',
      labelNames: ['provider', 'tool'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [registry],
    });
    const byName = this.byName;
    new Gauge({
      name: 'mcpfleet_tool_calls_in_flight',
      help: 'tools/call requests this replica is answering, by provider and tool',
      labelNames: ['provider', 'tool'] as const,
      registers: [registry],
      // Read when scraped: a call only moves a number.
      collect() {
        for (const { provider, tool, inflight } of byName.values()) this.set({ provider, tool }, inflight);
      },
    });
    this.unknown = this.named(UNKNOWN, UNKNOWN);
  }

  /**
   * The series a call to `name` counts in: its route's; while its provider is down, the provider's
   * (the name was in the catalog); otherwise the one shared by every unknown name.
   */
  forCall(
    name: string,
    route: { provider: string } | undefined,
    down: ReadonlyMap<string, string>,
  ): ToolSeries {
    if (route) return this.of(route, route.provider, name);
    const provider = down.get(name);
    return provider === undefined ? this.unknown : this.named(provider, name);
  }

  /** The series of a catalog entry (its route, or its workflow), cached on the entry. */
  of(entry: object, provider: string, tool: string): ToolSeries {
    let series = this.byEntry.get(entry);
    if (!series) {
      series = this.named(provider, tool);
      this.byEntry.set(entry, series);
    }
    return series;
  }

  /** The series of a tool by name: only for names the catalog holds (or held). */
  private named(provider: string, tool: string): ToolSeries {
    const key = `${provider}\0${tool}`;
    let series = this.byName.get(key);
    if (!series) {
      series = new ToolSeries(
        provider,
        tool,
        this.calls.series(key, 'ok', { provider, tool, outcome: 'ok' }),
        this.calls.series(key, 'tool_error', { provider, tool, outcome: 'tool_error' }),
        this.calls.series(key, 'error', { provider, tool, outcome: 'error' }),
        this.duration.labels(provider, tool),
        this.errors,
      );
      this.byName.set(key, series);
    }
    return series;
  }
}
