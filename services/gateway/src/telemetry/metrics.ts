import cluster from 'node:cluster';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { BoundCounter } from './bound-counter.js';
import { ToolMetrics } from './tool-metrics.js';
import { workerMetrics } from './worker-metrics.js';

/** What the gauges read when scraped; set once the parts they describe exist. */
export interface GaugeSources {
  /** Requests being answered by this replica. */
  inflight(): number;
  /** Sessions with a stream or channel open on this replica. */
  connectedSessions(): number;
  /** Every configured provider (file and discovery) and whether it is up. */
  providers(): readonly { name: string; up: boolean }[];
}

/** The gateway's Prometheus metrics, in a registry of its own (several gateways may share a process in tests). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly audit = new BoundCounter({
    name: 'mcpfleet_audit_events_total',
    help: 'Audited decisions and calls by outcome',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly limitOutages = new Counter({
    name: 'mcpfleet_limit_store_failures_total',
    help: 'Limit checks Redis could not answer, by limit kind and whether the call was let through',
    labelNames: ['limit', 'mode'] as const,
    registers: [this.registry],
  });
  readonly requests = new BoundCounter({
    name: 'mcpfleet_requests_total',
    help: 'MCP requests answered, by method and outcome (ok or the JSON-RPC error code)',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'mcpfleet_request_duration_seconds',
    help: 'Time to answer an MCP request, by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });
  readonly approvals = new Counter({
    name: 'mcpfleet_approvals_total',
    help: 'Approvals asked for and how they ended, by kind (caller or role) and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly tools = new ToolMetrics(this.registry);
  /** What /metrics shows: every worker's when this process is one of several, else its own. */
  readonly text: () => Promise<string> = cluster.isWorker
    ? workerMetrics(this.registry)
    : () => this.registry.metrics();
  private sources?: GaugeSources;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mcpfleet_gateway_' });
    const sources = () => this.sources;
    const readGauge = (name: string, help: string, read: (from: GaugeSources) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const from = sources();
          this.set(from ? read(from) : 0);
        },
      });
    readGauge('mcpfleet_inflight_requests', 'Requests being answered by this replica', (from) =>
      from.inflight(),
    );
    readGauge(
      'mcpfleet_connected_sessions',
      'Sessions with a stream or channel open on this replica (standalone SSE stream, WebSocket, legacy SSE, gRPC edge)',
      (from) => from.connectedSessions(),
    );
    new Gauge({
      name: 'mcpfleet_provider_up',
      help: 'Per configured provider: 1 when its catalog is served, 0 while it is starting or down',
      labelNames: ['provider'] as const,
      registers: [this.registry],
      // Several workers: a provider is up when every worker reaches it.
      aggregator: 'min',
      collect() {
        // Rebuilt per scrape: a provider discovery removed leaves no stale series behind.
        this.reset();
        for (const { name, up } of sources()?.providers() ?? []) this.set({ provider: name }, up ? 1 : 0);
      },
    });
  }

  /** Points the gauges at what they report. */
  observe(sources: GaugeSources): void {
    this.sources = sources;
  }
}
