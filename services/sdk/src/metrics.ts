import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** This process's Prometheus registry: the SDK's call metrics, and whatever a provider adds. */
export const metricsRegistry = new Registry();

const calls = new Counter({
  name: 'mcpfleet_provider_calls_total',
  help: 'Calls answered by this provider, by MCP method, target and outcome',
  labelNames: ['method', 'target', 'outcome'] as const,
  registers: [metricsRegistry],
});

const duration = new Histogram({
  name: 'mcpfleet_provider_call_duration_seconds',
  help: 'Time to answer a call, by MCP method and outcome',
  labelNames: ['method', 'outcome'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
  registers: [metricsRegistry],
});

/** Counts one finished call; `outcome` is ok, tool_error, a JSON-RPC code, or a gRPC status name. */
export function observeCall(method: string, target: string, outcome: string, seconds: number): void {
  calls.inc({ method, target, outcome });
  duration.observe({ method, outcome }, seconds);
}

/** Serves `/metrics` (and nothing else) on its own port, for providers whose API is gRPC only. */
export async function serveMetrics(host: string, port: number): Promise<Server> {
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'mcpfleet_provider_' });
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metricsRegistry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}
