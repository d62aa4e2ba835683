/**
 * What the suite deploys beside the chart: the Secrets the chart expects to exist (identity key,
 * callers' API keys, the database URL), the database the postgres provider reads (this machine's
 * PostgreSQL in a pod, seeded at start), and a workload in e2e-apps for the Kubernetes provider.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { NAMESPACE, ROOT } from './cluster.js';

const secret = (name: string, namespace: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  type: 'Opaque',
  stringData: data,
});

/** The gateway's identity key (what scripts/identity-secret.sh prints), and its public half alone for another team. */
export async function identitySecrets(teamNamespace: string) {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks = JSON.stringify({ keys: [{ ...publicJwk, alg: 'EdDSA', kid, use: 'sig' }] });
  const signingKey = JSON.stringify({ ...(await exportJWK(privateKey)), alg: 'EdDSA', kid });
  return [
    secret('mcp-fleet-identity', NAMESPACE, { 'signing-key.json': signingKey, 'jwks.json': jwks }),
    secret('mcp-fleet-identity-jwks', teamNamespace, { 'jwks.json': jwks }),
  ];
}

export const authSecret = (hash: string) =>
  secret('mcp-fleet-auth', NAMESPACE, {
    'auth.yaml': JSON.stringify({
      apiKeys: [{ id: 'agent', hash, subject: 'e2e-agent', roles: ['operator'] }],
    }),
  });

export const DATABASE_URL = `postgres://postgres@e2e-postgres.${NAMESPACE}:5432/postgres`;
export const databaseSecret = () => secret('fleet-database', NAMESPACE, { 'database-url': DATABASE_URL });

const SEED = `CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL, total numeric NOT NULL);
INSERT INTO orders VALUES (1, 'paid', 12.50), (2, 'open', 7.00), (3, 'paid', 30.25);`;

const labels = (name: string) => ({ 'app.kubernetes.io/name': name });

/** A throw-away PostgreSQL (no volume), trusting every peer in the pod network: a test database only. */
export const postgres = () => [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'e2e-postgres', namespace: NAMESPACE, labels: labels('e2e-postgres') },
    spec: {
      selector: { matchLabels: labels('e2e-postgres') },
      template: {
        metadata: { labels: labels('e2e-postgres') },
        spec: {
          containers: [
            {
              name: 'postgres',
              image: 'mcp-fleet.local/postgresql:e2e',
              imagePullPolicy: 'Never',
              command: ['/bin/sh', '-c'],
              args: [
                [
                  'set -e',
                  'initdb -D /tmp/pgdata -U postgres --auth=trust --locale=C --encoding=UTF8 >/dev/null',
                  "echo 'host all all 0.0.0.0/0 trust' >> /tmp/pgdata/pg_hba.conf",
                  `printf '%s\\n' "${SEED.replace(/\n/g, ' ')}" | postgres --single -D /tmp/pgdata postgres >/dev/null`,
                  "exec postgres -D /tmp/pgdata -c listen_addresses='*' -k /tmp",
                ].join('\n'),
              ],
              ports: [{ name: 'postgres', containerPort: 5432 }],
              readinessProbe: { tcpSocket: { port: 5432 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'e2e-postgres', namespace: NAMESPACE },
    spec: { selector: labels('e2e-postgres'), ports: [{ name: 'postgres', port: 5432 }] },
  },
];

/** A workload that logs a line a second and can be exec'd into: what the Kubernetes provider looks at. */
export const ticker = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'ticker', namespace: 'e2e-apps', labels: labels('ticker') },
  spec: {
    containers: [
      {
        name: 'ticker',
        image: 'mcp-fleet.local/everything:0.1.0',
        imagePullPolicy: 'Never',
        command: ['node', '-e', "let n = 0; setInterval(() => console.log('tick', ++n), 1000)"],
      },
    ],
  },
});

/** Jaeger v2 all in one, in memory (deploy/jaeger-local.yaml, listening on the pod's address). */
const JAEGER_CONFIG = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [jaeger_storage_exporter]}
extensions:
  jaeger_query:
    storage: {traces: memstore}
    ui: {config_file: ""}
    http: {endpoint: 0.0.0.0:16686}
    grpc: {endpoint: 0.0.0.0:16685}
  jaeger_storage:
    backends:
      memstore: {memory: {max_traces: 10000}}
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 0.0.0.0:4317}
processors:
  batch: {timeout: 200ms}
exporters:
  jaeger_storage_exporter: {trace_storage: memstore}
`;

/** A Deployment, Service and ConfigMap running the Jaeger v2 binary (an OpenTelemetry Collector build) with one config. */
function jaegerWith(name: string, config: string, ports: Record<string, number>) {
  const ns = 'observability';
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns },
      data: { 'config.yaml': config },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels: labels(name) },
      spec: {
        selector: { matchLabels: labels(name) },
        template: {
          metadata: { labels: labels(name) },
          spec: {
            containers: [
              {
                name,
                image: 'mcp-fleet.local/jaeger:e2e',
                imagePullPolicy: 'Never',
                args: ['--config', '/etc/otel/config.yaml'],
                ports: Object.entries(ports).map(([port, containerPort]) => ({ name: port, containerPort })),
                readinessProbe: { tcpSocket: { port: Object.values(ports)[0] }, periodSeconds: 1 },
                volumeMounts: [{ name: 'config', mountPath: '/etc/otel' }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns },
      spec: {
        selector: labels(name),
        ports: Object.entries(ports).map(([port, number]) => ({ name: port, port: number })),
      },
    },
  ];
}

/**
 * The fleet exports OTLP to an OpenTelemetry Collector running the config we ship
 * (deploy/otel-collector.yaml: memory limiter, health-check filter, batch), which forwards to
 * Jaeger v2 (itself a Collector distribution: OTLP receiver into its in-memory store and query
 * service). Both run the Jaeger binary: it carries every component that config names.
 */
export const observability = () => [
  ...jaegerWith('jaeger', JAEGER_CONFIG, { otlp: 4317, query: 16686 }),
  ...jaegerWith('otel-collector', readFileSync(join(ROOT, 'deploy/otel-collector.yaml'), 'utf8'), {
    otlp: 4317,
  }),
];
