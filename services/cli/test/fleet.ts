import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ProviderProcess, spawnProvider } from '@mcp-fleet/sdk/testing';

const SERVICES = fileURLToPath(new URL('../../../', import.meta.url));
const GATEWAY = join(SERVICES, 'gateway/dist/src/server.js');
const EVERYTHING = join(SERVICES, 'providers/everything/dist/src/main.js');
export const CLI = join(SERVICES, 'cli/dist/src/cli.js');

/**
 * The revisions the tests speak: the client's default, which is 2026-07-28 with a gateway that has
 * it (`modern`), and the 2025 session pinned (`legacy`).
 */
export const PROTOCOLS = [
  { protocol: 'auto', era: 'modern', version: '2026-07-28' },
  { protocol: 'legacy', era: 'legacy', version: '2025-11-25' },
] as const;

export interface TestFleet {
  /** http://127.0.0.1:<port> */
  http: string;
  grpc: string;
  dir: string;
  gateway: ProviderProcess;
  provider: ProviderProcess;
  /** SIGTERMs the gateway and waits for its exit (the ports stay this fleet's). */
  stopGateway(): Promise<void>;
  /** Starts the gateway again after stopGateway, on the same ports, and waits until it is ready. */
  startGateway(): Promise<void>;
  /** Starts the provider again after `provider.child.kill()`. */
  restartProvider(): ProviderProcess;
  close(): Promise<void>;
}

const ready = async (url: string, gateway: ProviderProcess) => {
  for (let i = 0; i < 150; i++) {
    if (gateway.child.exitCode !== null) break;
    const body = await fetch(url).then(
      (r) => r.json() as Promise<{ ready: boolean; providers: { up: boolean }[] }>,
      () => undefined,
    );
    if (body?.ready && body.providers.every((p) => p.up)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the gateway did not become ready:\n${gateway.output()}`);
};

/**
 * The real processes, as `make dev` runs them: a gateway and the everything provider (prefix
 * `ev`), on free loopback ports. `policy` replaces the allow-everything policy; `env` adds
 * gateway settings (REDIS_URL, MCPFLEET_WORKFLOWS_FILE...).
 */
export async function startTestFleet(
  options: { policy?: string; env?: Record<string, string> } = {},
): Promise<TestFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-cli-'));
  const [httpPort, grpcPort, providerPort] = [await freePort(), await freePort(), await freePort()];
  await writeFile(
    join(dir, 'providers.yaml'),
    `providers:\n  - name: everything\n    target: 127.0.0.1:${providerPort}\n    prefix: ev\n`,
  );
  await writeFile(
    join(dir, 'policy.yaml'),
    options.policy ?? 'roles:\n  local:\n    tools: { allow: ["*"] }\n',
  );
  const gatewayEnv = {
    MCPFLEET_GATEWAY_LISTEN: `127.0.0.1:${httpPort}`,
    MCPFLEET_GRPC_LISTEN: `127.0.0.1:${grpcPort}`,
    MCPFLEET_PROVIDERS_FILE: join(dir, 'providers.yaml'),
    MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
    MCPFLEET_IDENTITY_JWKS_OUT: join(dir, 'jwks.json'),
    MCPFLEET_AUDIT_LOG: join(dir, 'audit.log'),
    MCPFLEET_DRAIN_TIMEOUT: '1s',
    // Pins of this fleet only: the shared test Redis outlives every run.
    MCPFLEET_CATALOG_KEY_PREFIX: `mcpfleet:test:${basename(dir)}:`,
    ...options.env,
  };
  const gateway = spawnProvider(GATEWAY, [], gatewayEnv);
  // The gateway writes its JWKS before it listens; the provider needs it to start.
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`http://127.0.0.1:${httpPort}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const startProvider = () =>
    spawnProvider(EVERYTHING, [], {
      MCPFLEET_LISTEN: `127.0.0.1:${providerPort}`,
      MCPFLEET_IDENTITY_JWKS: join(dir, 'jwks.json'),
      MCPFLEET_DRAIN_TIMEOUT: '1s',
    });
  const fleet: TestFleet = {
    http: `http://127.0.0.1:${httpPort}`,
    grpc: `127.0.0.1:${grpcPort}`,
    dir,
    gateway,
    provider: startProvider(),
    async stopGateway() {
      fleet.gateway.child.kill('SIGTERM');
      await fleet.gateway.exited;
    },
    async startGateway() {
      fleet.gateway = spawnProvider(GATEWAY, [], gatewayEnv);
      await ready(`${fleet.http}/readyz`, fleet.gateway);
    },
    restartProvider() {
      fleet.provider = startProvider();
      return fleet.provider;
    },
    async close() {
      for (const p of [fleet.provider, fleet.gateway]) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  await ready(`${fleet.http}/readyz`, gateway);
  return fleet;
}

/** Runs the CLI as a user would: its stdout, stderr and exit code. */
export function cli(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
