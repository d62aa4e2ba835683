import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ProviderProcess, spawnProvider, waitFor } from '@mcp-fleet/sdk/testing';
import { DEV_POLICY, writeSigningKey } from './support.js';

/** The gateway's entry point, as its image runs it. */
export const GATEWAY = fileURLToPath(new URL('../src/server.js', import.meta.url));
/** The everything provider's entry point, as its image runs it. */
export const EVERYTHING = fileURLToPath(
  new URL('main.js', import.meta.resolve('@mcp-fleet/provider-everything')),
);

/** One real gateway process (`dist/src/server.js`): a crash shows as a process that exited. */
export interface GatewayProcess {
  process: ProviderProcess;
  /** http://127.0.0.1:<port> */
  base: string;
  /** 127.0.0.1:<port> of its gRPC edge */
  grpc: string;
  auditLog: string;
}

export interface GatewayProcesses {
  replicas: GatewayProcess[];
  everything: ProviderProcess;
  dir: string;
  /** Fails, with the dead replica's output, unless every replica still runs and answers /healthz. */
  assertAlive(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `replicas` gateway processes (sharing one identity signing key, and Redis when `env` names
 * one) in front of a real everything-provider process with an empty prefix. Each replica writes
 * its own audit log.
 */
export async function startGatewayProcesses(
  replicas: number,
  env: Record<string, string> = {},
): Promise<GatewayProcesses> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-gwproc-'));
  const providerPort = await freePort();
  await writeFile(
    join(dir, 'providers.yaml'),
    `providers:\n  - name: everything\n    target: 127.0.0.1:${providerPort}\n    prefix: ""\n`,
  );
  const signingKey = join(dir, 'signing-key.json');
  await writeSigningKey(signingKey);
  const started: GatewayProcess[] = [];
  for (let i = 0; i < replicas; i++) {
    const [port, grpcPort] = [await freePort(), await freePort()];
    const auditLog = join(dir, `audit-${i}.log`);
    const process = spawnProvider(GATEWAY, [], {
      MCPFLEET_GATEWAY_LISTEN: `127.0.0.1:${port}`,
      MCPFLEET_GRPC_LISTEN: `127.0.0.1:${grpcPort}`,
      MCPFLEET_PROVIDERS_FILE: join(dir, 'providers.yaml'),
      MCPFLEET_IDENTITY_KEY: signingKey,
      MCPFLEET_IDENTITY_JWKS_OUT: join(dir, 'jwks.json'),
      MCPFLEET_POLICY_FILE: DEV_POLICY,
      MCPFLEET_AUDIT_LOG: auditLog,
      // Pins of this fleet only: the shared test Redis outlives every run.
      MCPFLEET_CATALOG_KEY_PREFIX: `mcpfleet:test:${basename(dir)}:`,
      ...env,
    });
    started.push({ process, base: `http://127.0.0.1:${port}`, grpc: `127.0.0.1:${grpcPort}`, auditLog });
  }
  let everything: ProviderProcess | undefined;
  const killAll = () => {
    for (const { process } of started) process.child.kill('SIGKILL');
    everything?.child.kill('SIGKILL');
  };
  try {
    for (const { process } of started)
      await waitFor(
        () => process.output().includes('gateway serving'),
        `a gateway to listen:\n${process.output()}`,
        // A cold start takes seconds on a loaded machine: the wait must not decide the test.
        30_000,
      );
    // After the gateways: the provider reads the JWKS file they write.
    everything = spawnProvider(EVERYTHING, [], {
      MCPFLEET_LISTEN: `127.0.0.1:${providerPort}`,
      MCPFLEET_IDENTITY_JWKS: join(dir, 'jwks.json'),
    });
    for (const { process } of started)
      await waitFor(() => process.output().includes('provider up'), 'the provider to come up', 15_000);
  } catch (err) {
    // A failed start must not leave processes behind: the test file could never exit.
    killAll();
    throw err;
  }
  return {
    replicas: started,
    everything,
    dir,
    async assertAlive() {
      for (const [i, { process, base }] of started.entries()) {
        assert.equal(process.child.exitCode, null, `replica ${i} exited:\n${process.output()}`);
        const health = await fetch(`${base}/healthz`).catch((err: Error) => err);
        assert.ok(
          !(health instanceof Error) && health.status === 200,
          `replica ${i} does not answer /healthz:\n${process.output()}`,
        );
      }
    },
    async close() {
      killAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
