import assert from 'node:assert/strict';
import { type RequestOptions, request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import {
  type CallOptions,
  resultOf,
  runCall,
  startProvider,
  type TestProvider,
  toolCall,
} from '@mcp-fleet/sdk/testing';
import type { Confirm } from '../src/confirm.js';
import { clustersOf, type KubePolicy, kubernetesTools } from '../src/provider.js';

export type Fixture = {
  metadata?: { uid?: string; generation?: number; name?: string; annotations?: Record<string, string> };
  spec?: unknown;
  [key: string]: unknown;
};
export type Result = {
  content: { text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/** The admin kubeconfig of the test control plane (scripts/kube-env.sh up). */
export function testKubeConfig(): KubeConfig {
  const file = process.env.KUBECONFIG;
  assert.ok(file, 'KUBECONFIG must point at the test API server (scripts/kube-env.sh up)');
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** Fixtures written with the admin credentials straight to the API, not through the provider. */
export function adminOf(kc: KubeConfig) {
  return async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const options: RequestOptions = { method, headers: { 'content-type': contentType } };
    await kc.applyToHTTPSOptions(options);
    return new Promise<{ status: number; body: Fixture }>((resolve, reject) => {
      const req = request(new URL(path, kc.getCurrentCluster()?.server), options, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          let parsed: Fixture;
          try {
            parsed = JSON.parse(text || '{}');
          } catch {
            parsed = { text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  };
}

/**
 * A ControllerRevision of a StatefulSet as its controller keeps one (owned by it, labelled like
 * its pods, `data` the patch that restores the revision); no controller-manager runs here.
 */
export function statefulSetRevision(sts: Fixture, revision: number, data: unknown) {
  const name = String(sts.metadata?.name);
  return {
    metadata: {
      name: `${name}-r${revision}`,
      labels: { app: name },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name, uid: sts.metadata?.uid, controller: true },
      ],
    },
    revision,
    data,
  };
}

/** Namespaces of one run, so a control plane reused from an earlier run holds no state of ours. */
export async function runNamespaces(admin: ReturnType<typeof adminOf>, ...prefixes: string[]) {
  const run = Math.random().toString(36).slice(2, 8);
  const names = prefixes.map((prefix) => `${prefix}-${run}`);
  for (const name of names) {
    const { status } = await admin('POST', '/api/v1/namespaces', { metadata: { name } });
    assert.ok([201, 409].includes(status), `namespace ${name}: ${status}`);
  }
  return { run, names };
}

/** A provider serving the tools over real gRPC, configured as main.ts would from its environment. */
export function startKubernetesProvider(
  kc: KubeConfig,
  options: Partial<KubePolicy> & {
    write?: boolean;
    confirm?: Confirm;
    contexts?: string[];
    exec?: boolean;
    /** How long the provider waits for the API server (10 s unless told). */
    apiTimeoutMs?: number;
  },
): Promise<TestProvider> {
  return startProvider(
    kubernetesTools({
      clusters: clustersOf(kc, options.contexts ?? [], options.apiTimeoutMs ?? 10_000),
      policy: {
        namespaces: options.namespaces ?? ['default'],
        deniedKinds: options.deniedKinds ?? ['secrets'],
        clusterScoped: options.clusterScoped ?? 'none',
        workloadSecrets: options.workloadSecrets ?? false,
        writeKinds: options.writeKinds ?? [],
        fleetNamespaces: options.fleetNamespaces ?? [],
      },
      write: options.write ?? false,
      confirm: options.confirm ?? 'never',
      exec: options.exec ? { timeoutMs: 5_000 } : undefined,
    }),
  );
}

export const text = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');

export async function callOn(
  on: TestProvider,
  tool: string,
  args: Record<string, unknown>,
  extra: { capabilities?: Record<string, unknown> } & CallOptions = {},
): Promise<Result> {
  const { capabilities, ...options } = extra;
  return resultOf(await runCall(on.client, toolCall(tool, args, { capabilities }), options)) as Result;
}

/** A tool error whose text matches `reason` and never carries the test Secret's value. */
export async function refusedOn(
  on: TestProvider,
  tool: string,
  args: Record<string, unknown>,
  reason: RegExp,
  extra: { capabilities?: Record<string, unknown> } & CallOptions = {},
) {
  const r = await callOn(on, tool, args, extra);
  assert.equal(r.isError, true, `${tool} ${JSON.stringify(args)} should be refused: ${text(r)}`);
  assert.match(text(r), reason);
  assert.doesNotMatch(text(r), /hunter2|aHVudGVyMg/);
  return r;
}

/** A successful tool result, or an assertion failure quoting the error. */
export async function okOn(
  on: TestProvider,
  tool: string,
  args: Record<string, unknown>,
  extra: { capabilities?: Record<string, unknown> } & CallOptions = {},
) {
  const r = await callOn(on, tool, args, extra);
  assert.equal(r.isError, undefined, `${tool} ${JSON.stringify(args)}: ${text(r)}`);
  return r;
}

/**
 * What someone without credentials reads at `path` of the API server at `server`: its status and
 * body, as one string (the test API server's certificate is self-signed).
 */
export function anonymousGet(server: string, path: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = request(new URL(path, server), { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.on('error', reject);
    req.end();
  });
}
