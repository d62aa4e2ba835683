import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { freePort, type ProviderProcess, spawnProvider, waitFor } from '@mcp-fleet/sdk/testing';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MODERN = '2026-07-28';
const PROTO = join(ROOT, 'test/observability/otlp-trace.proto');

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status: { code: number; message: string };
}

const hex = (bytes: Buffer) => bytes.toString('hex');

/** A real OTLP/gRPC trace receiver: what the exporters of the gateway and the providers send lands here. */
async function startReceiver(spans: ReceivedSpan[]): Promise<{ port: number; stop(): void }> {
  const definition = protoLoader.loadSync(PROTO, {
    keepCase: false,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    opentelemetry: {
      proto: { collector: { trace: { v1: { TraceService: grpc.ServiceClientConstructor } } } };
    };
  };
  type Attr = {
    key: string;
    value?: {
      value?: string;
      stringValue?: string;
      intValue?: string;
      boolValue?: boolean;
      doubleValue?: number;
    };
  };
  const attributes = (list: Attr[]) =>
    Object.fromEntries(
      list.map((a) => [
        a.key,
        a.value?.value ? (a.value as Record<string, unknown>)[a.value.value] : undefined,
      ]),
    );
  const server = new grpc.Server();
  server.addService(loaded.opentelemetry.proto.collector.trace.v1.TraceService.service, {
    Export(
      call: grpc.ServerUnaryCall<
        {
          resourceSpans: {
            resource?: { attributes: Attr[] };
            scopeSpans: { spans: Record<string, unknown>[] }[];
          }[];
        },
        unknown
      >,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      for (const resourceSpans of call.request.resourceSpans) {
        const service = String(attributes(resourceSpans.resource?.attributes ?? [])['service.name'] ?? '');
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({
              service,
              traceId: hex(span.traceId as Buffer),
              spanId: hex(span.spanId as Buffer),
              parentSpanId: hex(span.parentSpanId as Buffer),
              name: String(span.name),
              kind: Number(span.kind),
              attributes: attributes(span.attributes as Attr[]),
              status: (span.status as { code: number; message: string }) ?? { code: 0, message: '' },
            });
          }
        }
      }
      callback(null, {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return { port, stop: () => server.forceShutdown() };
}

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is not set: run the tests with `make test` (scripts/test-env.sh up)');
  return url;
}

describe('one trace across every hop, exported over OTLP', () => {
  const spans: ReceivedSpan[] = [];
  let receiver: { port: number; stop(): void };
  let dir: string;
  let gateway: ProviderProcess;
  let postgres: ProviderProcess;
  let url: string;
  let session: string;

  before(async () => {
    receiver = await startReceiver(spans);
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-traces-'));
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    const providerPort = await freePort();
    const gatewayPort = await freePort();
    await writeFile(
      join(dir, 'providers.yaml'),
      `providers:\n  - name: postgres\n    target: 127.0.0.1:${providerPort}\n`,
    );
    gateway = spawnProvider(join(ROOT, 'services/gateway/dist/src/server.js'), [], {
      ...otel,
      MCPFLEET_GATEWAY_LISTEN: `127.0.0.1:${gatewayPort}`,
      MCPFLEET_GRPC_LISTEN: 'off',
      MCPFLEET_PROVIDERS_FILE: join(dir, 'providers.yaml'),
      MCPFLEET_POLICY_FILE: join(ROOT, 'deploy/dev/policy.yaml'),
      MCPFLEET_AUDIT_LOG: join(dir, 'audit.log'),
      MCPFLEET_IDENTITY_JWKS_OUT: join(dir, 'jwks.json'),
    });
    await waitFor(
      () => gateway.output().includes('gateway serving'),
      `the gateway to listen:\n${gateway.output()}`,
    );
    postgres = spawnProvider(join(ROOT, 'services/providers/postgres/dist/src/main.js'), [], {
      ...otel,
      MCPFLEET_LISTEN: `127.0.0.1:${providerPort}`,
      MCPFLEET_IDENTITY_JWKS: join(dir, 'jwks.json'),
      DATABASE_URL: databaseUrl(),
    });
    await waitFor(
      () => gateway.output().includes('provider up'),
      `the provider to come up:\n${postgres.output()}`,
      15_000,
    );
    url = `http://127.0.0.1:${gatewayPort}/mcp`;
    const init = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    session = init.headers.get('mcp-session-id') as string;
  });
  after(async () => {
    gateway.child.kill('SIGTERM');
    postgres.child.kill('SIGTERM');
    await Promise.all([gateway.exited, postgres.exited]);
    receiver.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A traced tools/call of postgres_query: in the 2025 session, or stateless as a 2026-07-28 client sends it. */
  const callTool = async (traceId: string, sql: string, stateless = false, sampled = true) => {
    const params = { name: 'postgres_query', arguments: { sql } };
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        traceparent: `00-${traceId}-00f067aa0ba902b7-${sampled ? '01' : '00'}`,
        ...(stateless
          ? { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': params.name }
          : { 'mcp-session-id': session }),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: stateless
          ? {
              ...params,
              _meta: {
                'io.modelcontextprotocol/protocolVersion': MODERN,
                'io.modelcontextprotocol/clientCapabilities': {},
                'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
              },
            }
          : params,
      }),
    });
    return response.text();
  };
  const trace = async (traceId: string, count: number) => {
    await waitFor(
      () => spans.filter((s) => s.traceId === traceId).length >= count,
      `${count} spans of trace ${traceId}`,
      10_000,
    );
    return spans.filter((s) => s.traceId === traceId);
  };

  it('links the agent span to gateway, gRPC client, provider and database spans', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await callTool(traceId, 'SELECT 1 AS one');
    const found = await trace(traceId, 4);
    const server = found.find(
      (s) => s.service === 'mcp-fleet-gateway' && s.name === 'tools/call postgres_query',
    );
    const client = found.find(
      (s) => s.service === 'mcp-fleet-gateway' && s.name === 'mcpfleet.provider.v1.ToolProvider/Call',
    );
    const provider = found.find((s) => s.service === 'postgres' && s.name === 'tools/call query');
    const database = found.find((s) => s.service === 'postgres' && s.name === 'postgresql read-only');
    assert.ok(
      server && client && provider && database,
      JSON.stringify(found.map((s) => [s.service, s.name])),
    );
    assert.equal(server.parentSpanId, '00f067aa0ba902b7', 'the agent traceparent is the root');
    assert.equal(client.parentSpanId, server.spanId);
    assert.equal(provider.parentSpanId, client.spanId);
    assert.equal(database.parentSpanId, provider.spanId);
    assert.equal(server.kind, 2, 'SERVER');
    assert.equal(client.kind, 3, 'CLIENT');
    assert.deepEqual(
      [
        server.attributes['mcp.method.name'],
        server.attributes['gen_ai.tool.name'],
        server.attributes['mcp.session.id'],
        server.attributes['jsonrpc.request.id'],
      ],
      ['tools/call', 'postgres_query', session, '1'],
    );
    assert.equal(client.attributes['rpc.system'], 'grpc');
    assert.equal(database.attributes['db.system.name'], 'postgresql');
    assert.ok(
      found.every((s) => s.status.code !== 2),
      'no errors',
    );
  });

  it('traces a 2026-07-28 stateless call the same way: gateway, gRPC client, provider, database', async () => {
    const traceId = '6bf92f3577b34da6a3ce929d0e0e4738';
    const answer = await callTool(traceId, 'SELECT 2 AS two', true);
    assert.match(answer, /"resultType":"complete"/, answer);
    const found = await trace(traceId, 4);
    const named = (service: string, name: string) =>
      found.find((s) => s.service === service && s.name === name);
    const server = named('mcp-fleet-gateway', 'tools/call postgres_query');
    const client = named('mcp-fleet-gateway', 'mcpfleet.provider.v1.ToolProvider/Call');
    const provider = named('postgres', 'tools/call query');
    const database = named('postgres', 'postgresql read-only');
    assert.ok(
      server && client && provider && database,
      JSON.stringify(found.map((s) => [s.service, s.name])),
    );
    assert.equal(server.parentSpanId, '00f067aa0ba902b7');
    assert.equal(client.parentSpanId, server.spanId);
    assert.equal(provider.parentSpanId, client.spanId);
    assert.equal(database.parentSpanId, provider.spanId);
  });

  it('marks the provider and database spans failed when the query fails', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4737';
    await callTool(traceId, 'SELECT * FROM no_such_table');
    const found = await trace(traceId, 4);
    const provider = found.find((s) => s.service === 'postgres' && s.name === 'tools/call query');
    const database = found.find((s) => s.service === 'postgres' && s.name === 'postgresql read-only');
    assert.equal(database?.status.code, 2, 'ERROR');
    assert.equal(database?.attributes['error.type'], '42P01');
    assert.equal(provider?.status.code, 2);
    assert.equal(provider?.attributes['error.type'], 'tool_error');
  });

  it("follows a caller's decision not to sample: no hop exports its trace, the audit line still names it", async () => {
    const unsampled = '7bf92f3577b34da6a3ce929d0e0e4739';
    const sampled = '8bf92f3577b34da6a3ce929d0e0e473a';
    await callTool(unsampled, 'SELECT 3 AS three', false, false);
    await callTool(sampled, 'SELECT 4 AS four');
    // Both processes export in batches every 100 ms: the later call's spans come in the same batch
    // as the earlier one's or after it.
    await trace(sampled, 4);
    assert.deepEqual(
      spans.filter((s) => s.traceId === unsampled).map((s) => [s.service, s.name]),
      [],
    );
    // Audit lines are written in batches of up to 10 ms.
    let audit = '';
    for (let i = 0; i < 100 && !audit.includes(`"traceId":"${unsampled}"`); i++) {
      await sleep(50);
      audit = await readFile(join(dir, 'audit.log'), 'utf8');
    }
    assert.match(
      audit,
      new RegExp(`"traceId":"${unsampled}"`),
      'the audit line of the unsampled call names its trace',
    );
  });
});
