/**
 * The real processes a chaos scenario runs and breaks: everything-provider processes, gateway
 * replicas (services/gateway/dist/src/server.js) and a private Redis, all on loopback, all
 * started here and stopped by their own pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ProviderProcess, spawnProvider, waitFor } from '@mcp-fleet/sdk/testing';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const GATEWAY_ENTRY = join(ROOT, 'services/gateway/dist/src/server.js');
const EVERYTHING_ENTRY = join(ROOT, 'services/providers/everything/dist/src/main.js');

/** The gateway's deadline for every forwarded call in the scenarios: a call answers within it. */
export const TOOL_TIMEOUT_MS = 5_000;
/** How long a starting process may take before the scenario fails (a busy 2-core machine). */
const START_TIMEOUT_MS = 30_000;

/** One started process: signal it and wait for its exit, read its memory and its output. */
export class FleetProcess {
  constructor(
    readonly name: string,
    private readonly process: ProviderProcess,
  ) {}

  get pid(): number {
    return this.process.child.pid ?? -1;
  }

  get running(): boolean {
    const { child } = this.process;
    return child.exitCode === null && child.signalCode === null;
  }

  output(): string {
    return this.process.output();
  }

  /** Sends `signal` and resolves with the exit code once the process is gone. */
  async stop(signal: NodeJS.Signals): Promise<number | null> {
    if (this.running) this.process.child.kill(signal);
    return this.process.exited;
  }

  /** Resident memory from /proc (Linux), in bytes. */
  async rssBytes(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    if (!kb) throw new Error(`no VmRSS for ${this.name} (pid ${this.pid})`);
    return Number(kb) * 1024;
  }
}

export interface ProviderTarget {
  name: string;
  /** A grpc-js target: `127.0.0.1:port`, or `ipv4:127.0.0.1:a,127.0.0.1:b` for replicas. */
  target: string;
}

export interface GatewayOptions {
  providers: ProviderTarget[];
  /** Sessions in Redis when set, in memory otherwise. */
  redisUrl?: string;
  /** Policy file; the dev policy (the local caller may use everything) when unset. */
  policyFile?: string;
  env?: Record<string, string>;
}

export interface Gateway extends FleetProcess {
  port: number;
  url: string;
}

/** Raw Redis protocol PING, so no client library's reconnection hides an outage from the check. */
function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

async function poll(condition: () => Promise<boolean>, what: string, timeoutMs = START_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A redis-server process of the scenario's own, never the shared test Redis. */
export class PrivateRedis {
  private child?: ChildProcess;

  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts (or restarts) the server on the same port and data directory. The append-only file is
   * synced on every write, as a session store is run, so sessions survive a SIGKILL.
   */
  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
      ],
      { stdio: 'ignore' },
    );
    child.on('error', () => {});
    this.child = child;
    await poll(() => redisPing(this.port), `redis-server on port ${this.port}`);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

/**
 * The processes of one scenario in one temp folder: one identity key every gateway replica signs
 * with and its public JWKS every provider verifies with, providers files, audit logs; `close`
 * stops what is left.
 */
export class Fleet {
  private readonly processes: FleetProcess[] = [];
  private readonly redises: PrivateRedis[] = [];
  private gateways = 0;

  private constructor(readonly dir: string) {}

  static async create(name: string): Promise<Fleet> {
    const dir = await mkdtemp(join(tmpdir(), `mcpfleet-chaos-${name}-`));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'EdDSA', kid: 'chaos' };
    await writeFile(join(dir, 'signing-key.json'), JSON.stringify(jwk));
    const publicJwk = { ...publicKey.export({ format: 'jwk' }), alg: 'EdDSA', kid: 'chaos', use: 'sig' };
    await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [publicJwk] }));
    return new Fleet(dir);
  }

  private get jwks(): string {
    return join(this.dir, 'jwks.json');
  }

  /** An everything provider on `port`; resolves once it serves. */
  async provider(port: number, env: Record<string, string> = {}): Promise<FleetProcess> {
    const child = spawnProvider(EVERYTHING_ENTRY, [], {
      MCPFLEET_LISTEN: `127.0.0.1:${port}`,
      MCPFLEET_IDENTITY_JWKS: this.jwks,
      MCPFLEET_EVERYTHING_WATCH_INTERVAL: '0',
      MCPFLEET_DRAIN_TIMEOUT: '10s',
      ...env,
    });
    const process = new FleetProcess(`everything:${port}`, child);
    this.processes.push(process);
    await waitFor(
      () => child.output().includes('serving') || !process.running,
      `provider on ${port}`,
      START_TIMEOUT_MS,
    );
    if (!process.running) throw new Error(`provider on ${port} exited:\n${child.output()}`);
    return process;
  }

  /** A gateway replica; resolves once it listens (not necessarily ready: see `ready`). */
  async gateway(options: GatewayOptions): Promise<Gateway> {
    const index = ++this.gateways;
    const port = await freePort();
    const providersFile = join(this.dir, `providers-${index}.yaml`);
    await writeFile(
      providersFile,
      JSON.stringify({
        providers: options.providers.map((p) => ({ ...p, timeout: `${TOOL_TIMEOUT_MS}ms` })),
      }),
    );
    const child = spawnProvider(GATEWAY_ENTRY, [], {
      MCPFLEET_GATEWAY_LISTEN: `127.0.0.1:${port}`,
      MCPFLEET_GRPC_LISTEN: 'off',
      MCPFLEET_PROVIDERS_FILE: providersFile,
      MCPFLEET_POLICY_FILE: options.policyFile ?? join(ROOT, 'deploy/dev/policy.yaml'),
      MCPFLEET_AUDIT_LOG: join(this.dir, `audit-${index}.log`),
      MCPFLEET_IDENTITY_KEY: join(this.dir, 'signing-key.json'),
      MCPFLEET_READY_TIMEOUT: '15s',
      MCPFLEET_DRAIN_TIMEOUT: '10s',
      // Pins of this fleet only: the shared test Redis outlives every run.
      MCPFLEET_CATALOG_KEY_PREFIX: `mcpfleet:test:${basename(this.dir)}:`,
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      ...options.env,
    });
    const process = new FleetProcess(`gateway-${index}`, child);
    this.processes.push(process);
    await waitFor(
      () => child.output().includes('gateway serving') || !process.running,
      `gateway ${index} to listen`,
      START_TIMEOUT_MS,
    );
    if (!process.running) throw new Error(`gateway ${index} exited:\n${child.output()}`);
    return Object.assign(process, { port, url: `http://127.0.0.1:${port}` });
  }

  /** Resolves once /readyz is 200 with every provider up: the state a balancer sends traffic to. */
  async ready(gateway: Gateway): Promise<void> {
    await poll(async () => {
      const response = await fetch(`${gateway.url}/readyz`).catch(() => undefined);
      if (response?.status !== 200) return false;
      const body = (await response.json()) as { providers: { up: boolean }[] };
      return body.providers.every((p) => p.up);
    }, `${gateway.name} to be ready with every provider up:\n${gateway.output()}`);
  }

  async redis(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), this.dir);
    this.redises.push(redis);
    await redis.start();
    return redis;
  }

  /** SIGKILLs whatever is still running (a failed scenario must not leave processes behind). */
  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop('SIGKILL')));
    await Promise.all(this.redises.map((r) => r.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A scenario's usual fleet: one gateway in front of one everything provider, both ready. */
export interface SimpleFleet {
  fleet: Fleet;
  gateway: Gateway;
  provider: FleetProcess;
  providerPort: number;
}

/** Starts a SimpleFleet; `configure` adds gateway options (Redis, policy) from the new fleet. */
export async function simpleFleet(
  name: string,
  configure: (fleet: Fleet) => Promise<Omit<GatewayOptions, 'providers'>> = async () => ({}),
): Promise<SimpleFleet> {
  const fleet = await Fleet.create(name);
  try {
    const providerPort = await freePort();
    const gateway = await fleet.gateway({
      providers: [{ name: 'everything', target: `127.0.0.1:${providerPort}` }],
      ...(await configure(fleet)),
    });
    const provider = await fleet.provider(providerPort);
    await fleet.ready(gateway);
    return { fleet, gateway, provider, providerPort };
  } catch (err) {
    await fleet.close();
    throw err;
  }
}

/** The shared test Redis of scripts/test-env.sh; fails loudly when it is not there. */
export function sharedRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run `make chaos` (it starts scripts/test-env.sh up)');
  return url;
}
