/**
 * An SRE follows one agent call in Jaeger: the trace the agent started (its traceparent) comes back
 * from Jaeger's query API with the spans of the gateway, the gRPC call to the postgres provider,
 * the provider's handling and its database statement, each the child of the one before. The spans
 * travelled over OTLP through the OpenTelemetry Collector (deploy/otel-collector.yaml) into Jaeger,
 * all in the cluster.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { call } from './agent.js';
import { kubectlJson, loadState, until } from './cluster.js';

interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  references: { refType: string; spanID: string }[];
}
interface JaegerTrace {
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

describe('tracing: one agent call, read back from Jaeger', () => {
  it('links gateway → provider → Postgres spans in the agent’s trace', async () => {
    const state = loadState();
    const traceId = randomBytes(16).toString('hex');
    const client = new Client({ name: 'e2e-traced-agent', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(state.mcpUrl), {
        requestInit: {
          headers: {
            authorization: `Bearer ${state.apiKey}`,
            traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
          },
        },
      }),
    );
    try {
      await call(client, 'postgres_query', { sql: 'SELECT count(*) AS n FROM orders' });
    } finally {
      await client.close();
    }

    const jaeger = await kubectlJson<{ spec: { clusterIP: string } }>([
      'get',
      'service',
      '-n',
      'observability',
      'jaeger',
    ]);
    // Each process exports its own batches: the provider's may reach Jaeger before the gateway's.
    const expected = [
      ['mcp-fleet-gateway', 'tools/call postgres_query'],
      ['mcp-fleet-gateway', 'mcpfleet.provider.v1.ToolProvider/Call'],
      ['mcp-fleet-postgres', 'tools/call query'],
      ['mcp-fleet-postgres', 'postgresql read-only'],
    ] as const;
    let seen: string[][] = [];
    const spans = await until(
      () => `the four spans of the call in Jaeger (seen: ${JSON.stringify(seen)})`,
      async () => {
        const res = await fetch(`http://${jaeger.spec.clusterIP}:16686/api/traces/${traceId}`);
        if (!res.ok) return undefined;
        const trace = ((await res.json()) as { data: JaegerTrace[] }).data[0];
        if (!trace) return undefined;
        const named = trace.spans.map((s) => ({
          ...s,
          service: trace.processes[s.processID]?.serviceName ?? '',
        }));
        seen = named.map((s) => [s.service, s.operationName]);
        const has = ([service, name]: readonly [string, string]) =>
          named.some((s) => s.service === service && s.operationName === name);
        return expected.every(has) ? named : undefined;
      },
    );
    const find = ([service, name]: readonly [string, string]) => {
      const span = spans.find((s) => s.service === service && s.operationName === name);
      assert.ok(span, `${service}: ${name}`);
      return span;
    };
    const parentOf = (span: JaegerSpan) => span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
    const [server, grpc, provider, database] = [
      find(expected[0]),
      find(expected[1]),
      find(expected[2]),
      find(expected[3]),
    ];
    assert.equal(parentOf(grpc), server.spanID);
    assert.equal(parentOf(provider), grpc.spanID);
    assert.equal(parentOf(database), provider.spanID);
  });
});
