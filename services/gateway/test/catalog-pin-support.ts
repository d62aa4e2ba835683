import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentityVerifier, type Definition, defineTool, serveProvider } from '@mcp-fleet/sdk';
import { generateApiKey } from '../src/auth/api-keys.js';
import { type Fleet, type FleetProvider, openSession, post, silent, startFleet } from './support.js';

/**
 * The callers of these tests: an operator, two callers, alice's subject in another tenant, alice
 * holding one more role (the same principal), and one whose roles allow no tool.
 */
export type Who = 'ops' | 'alice' | 'bob' | 'mallory' | 'alicePayroll' | 'nobody';

export interface ToolAnswer {
  result?: { content?: { text?: string }[]; isError?: boolean; _meta?: Record<string, unknown> };
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

export interface Caller {
  tools(): Promise<{ name: string; description?: string }[]>;
  names(): Promise<string[]>;
  call(name: string, args?: unknown): Promise<ToolAnswer>;
  /** A call whose body is written by hand: exact JSON text, key order and escapes included. */
  callRaw(argumentsJson: string, name: string): Promise<ToolAnswer>;
  /** Any other request of the session. */
  rpc(method: string, params?: Record<string, unknown>): Promise<unknown>;
}

export interface PinFleet {
  fleet: Fleet;
  /** A session of `who` on replica `replica`. */
  as(who: Who, replica?: number): Promise<Caller>;
  /** Each caller's API key. */
  keys: Record<Who, string>;
  metrics(replica?: number): Promise<string>;
  /** Stops the provider and serves `definitions` (and `instructions`) under its name on the same port (a restart). */
  restart(name: string, definitions: readonly Definition[], instructions?: string): Promise<void>;
  close(): Promise<void>;
}

/** A tool with a text handler; `over` replaces any part of its definition. */
export const labTool = (name: string, over: Partial<Parameters<typeof defineTool>[0]> = {}) =>
  defineTool({
    name,
    description: `${name} things`,
    inputSchema: { type: 'object' },
    annotations: { readOnlyHint: true },
    handler: () => name,
    ...over,
  });

/**
 * A fleet behind API keys: `ops` holds the `operator` role (MCPFLEET_CATALOG_OPERATOR_ROLES),
 * `ops`, `alice` and `bob` (and `mallory`, alice's subject in another tenant) may call the lab
 * provider's tools, `nobody` none.
 */
export async function startPinFleet(
  providers: FleetProvider[],
  env: Record<string, string> = {},
  replicas = 1,
): Promise<PinFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-pins-'));
  const keys = {
    ops: generateApiKey('ops'),
    alice: generateApiKey('alice'),
    bob: generateApiKey('bob'),
    mallory: generateApiKey('mallory'),
    alicePayroll: generateApiKey('alicePayroll'),
    nobody: generateApiKey('nobody'),
  };
  await writeFile(
    join(dir, 'auth.yaml'),
    `apiKeys:
  - { id: ops, hash: "${keys.ops.hash}", subject: ops, roles: [operator, caller] }
  - { id: alice, hash: "${keys.alice.hash}", subject: alice, tenant: acme, roles: [caller] }
  - { id: bob, hash: "${keys.bob.hash}", subject: bob, tenant: acme, roles: [caller] }
  - { id: mallory, hash: "${keys.mallory.hash}", subject: alice, tenant: evil, roles: [caller] }
  - { id: alicePayroll, hash: "${keys.alicePayroll.hash}", subject: alice, tenant: acme, roles: [caller, payroll] }
  - { id: nobody, hash: "${keys.nobody.hash}", subject: nobody, roles: [none] }
`,
  );
  // The providers' tools only: the fleet_catalog_* tools are the operator role's, never policy's.
  await writeFile(
    join(dir, 'policy.yaml'),
    'roles:\n  caller:\n    tools: { allow: ["lab_*"] }\n    prompts: { allow: ["lab_*"] }\n    resources: { allow: ["lab://*"] }\n',
  );
  const fleet = await startFleet(
    providers,
    {
      MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
      MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
      MCPFLEET_CATALOG_OPERATOR_ROLES: 'operator',
      ...env,
    },
    [],
    replicas,
  );
  let id = 0;
  const as = async (who: Who, replica = 0): Promise<Caller> => {
    const url = fleet.urls[replica] as string;
    const headers = await openSession(url, { 'x-api-key': keys[who].key });
    const send = async (body: string) =>
      (await post(url, body, headers)).json as unknown as ToolAnswer & { result?: { tools?: [] } };
    const tools = async () => {
      id += 1;
      const answer = await send(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' }));
      return (answer.result?.tools ?? []) as { name: string; description?: string }[];
    };
    const callRaw = (argumentsJson: string, name: string) => {
      id += 1;
      return send(
        `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":${JSON.stringify(name)},"arguments":${argumentsJson}}}`,
      );
    };
    return {
      tools,
      names: async () => (await tools()).map((t) => t.name).sort(),
      call: (name, args = {}) => callRaw(JSON.stringify(args), name),
      callRaw,
      rpc: (method, params = {}) => {
        id += 1;
        return send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      },
    };
  };
  return {
    fleet,
    as,
    keys: Object.fromEntries(Object.entries(keys).map(([who, k]) => [who, k.key])) as Record<Who, string>,
    metrics: async (replica = 0) =>
      (await fetch((fleet.urls[replica] as string).replace('/mcp', '/metrics'))).text(),
    async restart(name, definitions, instructions) {
      const old = fleet.providers.get(name);
      if (!old) throw new Error(`no provider ${name}`);
      await old.drain();
      const handle = await serveProvider(
        { name, version: '1.0.1', definitions, ...(instructions ? { instructions } : {}) },
        {
          host: '127.0.0.1',
          port: old.port,
          logger: silent,
          drainTimeoutMs: 1_000,
          identify: createIdentityVerifier({
            jwksFile: join(fleet.dir, 'jwks.json'),
            audience: name,
            issuer: 'mcp-fleet-gateway',
            insecure: false,
          }),
        },
      );
      fleet.providers.set(name, handle);
    },
    close: async () => {
      await fleet.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The value of one Prometheus series in a scrape (0 when absent). */
export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Waits until the asynchronous `check` holds (polling every 50 ms, up to `timeoutMs`). */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
