import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, in a registry of its own (several gateways may share a process in tests). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly audit = new Counter({
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
  readonly requests = new Counter({
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
  readonly inflight = new Gauge({
    name: 'mcpfleet_inflight_requests',
    help: 'Requests being answered by this replica',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mcpfleet_gateway_' });
  }
}
