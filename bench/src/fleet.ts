import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateApiKey } from '@mcp-fleet/gateway/api-keys';
import { freePort } from '@mcp-fleet/sdk/testing';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { ROOT, start, waitReady } from './processes.js';

/** The processes of one bench run, the directory of their files, and the build they run (this one unless told). */
export interface Fleet {
  dir: string;
  processes: ChildProcess[];
  root?: string;
}

/** A gateway in front of the provider at `providerPort`, signing with the bench's key; its /mcp URL once ready. */
export async function startGateway(
  fleet: Fleet,
  name: string,
  providerPort: number,
  env: Record<string, string>,
): Promise<{ url: string; port: number; process: ChildProcess }> {
  const port = await freePort();
  const providers = join(fleet.dir, `providers-${name}.yaml`);
  await writeFile(
    providers,
    `providers:\n  - name: everything\n    target: 127.0.0.1:${providerPort}\n    prefix: ""\n`,
  );
  const child = start(
    'services/gateway/dist/src/server.js',
    {
      MCPFLEET_GATEWAY_LISTEN: `127.0.0.1:${port}`,
      MCPFLEET_PROVIDERS_FILE: providers,
      MCPFLEET_IDENTITY_KEY: join(fleet.dir, 'key.json'),
      MCPFLEET_LOG_LEVEL: 'warn',
      MCPFLEET_GRPC_LISTEN: '127.0.0.1:0',
      MCPFLEET_AUDIT_LOG: join(fleet.dir, `audit-${name}.log`),
      // The bench's one caller stands for many agents: at 4,500 calls/s an open-loop run on a
      // multiplexed edge (gRPC, WebSocket: one session per stream) has more calls in flight than
      // the defaults (256 a caller, 32 a session) during any pause of 60 ms, and the limits
      // refused them (the "errors" in some earlier runs' tables).
      MCPFLEET_MAX_CONCURRENT_PER_SUBJECT: '4096',
      MCPFLEET_MAX_CONCURRENT_PER_SESSION: '1024',
      ...env,
    },
    fleet.root,
  );
  fleet.processes.push(child);
  return { url: `http://127.0.0.1:${port}/mcp`, port, process: child };
}

/** An everything provider trusting the bench's identity key. */
export async function startProvider(fleet: Fleet, env: Record<string, string> = {}) {
  const port = await freePort();
  const child = start(
    'services/providers/everything/dist/src/main.js',
    {
      MCPFLEET_LISTEN: `127.0.0.1:${port}`,
      MCPFLEET_IDENTITY_JWKS: join(fleet.dir, 'jwks.json'),
      MCPFLEET_LOG_LEVEL: 'warn',
      ...env,
    },
    fleet.root,
  );
  fleet.processes.push(child);
  return { port, process: child };
}

/** The official SDK server answering echo itself (sdk-server.js). */
export async function startSdkServer(fleet: Fleet) {
  const port = await freePort();
  const child = start('bench/dist/sdk-server.js', { MCPFLEET_LISTEN: `127.0.0.1:${port}` });
  fleet.processes.push(child);
  await waitReady(`http://127.0.0.1:${port}/`, false);
  return { url: `http://127.0.0.1:${port}/mcp`, process: child };
}

/**
 * Redis for the secured gateway's rate limit and quota: BENCH_REDIS_URL when given (a database
 * of a shared server), otherwise a throw-away redis-server of this run.
 */
export async function redisUrl(fleet: Fleet): Promise<string> {
  if (process.env.BENCH_REDIS_URL) return process.env.BENCH_REDIS_URL;
  const { spawn } = await import('node:child_process');
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  fleet.processes.push(child);
  await sleep(300);
  return `redis://127.0.0.1:${port}`;
}

/**
 * Security on: an API key (or, with `jwt`, a bearer JWT from an identity provider's RS256 key), a
 * policy with an argument constraint, a Redis rate limit and a quota (all high enough never to
 * refuse), so only their cost shows. Returns the credential's header.
 */
export async function securityEnv(
  fleet: Fleet,
  credential: 'api-key' | 'jwt' = 'api-key',
): Promise<{ env: Record<string, string>; header: Record<string, string> }> {
  // Files of its own: a gateway re-reads a JWKS file that changes, so another call's must not replace it.
  const dir = await mkdtemp(join(fleet.dir, 'security-'));
  const bearer = credential === 'jwt' ? await identityProvider(dir) : await apiKeyAuth(dir);
  await writeFile(
    join(dir, 'policy.yaml'),
    `roles:
  bench:
    tools: { allow: ["echo"], deny: ["test_*"] }
    arguments:
      echo: { type: object, properties: { text: { type: string, maxLength: 100 } }, required: [text] }
    rateLimit: { perSecond: 1000000, burst: 1000000 }
    toolRateLimit: { perSecond: 1000000, burst: 1000000 }
    quota: { perHour: 100000000 }
`,
  );
  return {
    env: {
      MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
      MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
      REDIS_URL: await redisUrl(fleet),
    },
    header: { authorization: `Bearer ${bearer}` },
  };
}

/** An auth file admitting one API key; returns the key. */
async function apiKeyAuth(dir: string): Promise<string> {
  const { key, hash } = generateApiKey('bench');
  await writeFile(
    join(dir, 'auth.yaml'),
    `apiKeys:\n  - { id: bench, hash: "${hash}", subject: bench, roles: [bench] }\n`,
  );
  return key;
}

/** An auth file trusting an identity provider's JWKS file; returns a token it signed for the bench. */
async function identityProvider(dir: string): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwks = join(dir, 'idp-jwks.json');
  await writeFile(
    jwks,
    JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'RS256', kid: 'idp' }] }),
  );
  await writeFile(
    join(dir, 'auth.yaml'),
    `jwt: { issuer: https://idp.bench, audience: mcp-fleet, jwksFile: ${jwks}, algorithms: [RS256], claims: { subject: sub, roles: roles } }\n`,
  );
  return new SignJWT({ roles: ['bench'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'idp' })
    .setIssuer('https://idp.bench')
    .setAudience('mcp-fleet')
    .setSubject('bench')
    .setExpirationTime('2h')
    .sign(privateKey);
}

/**
 * The bench's signing key, written for the gateways (key.json) and the providers (jwks.json), and
 * a token the direct baseline presents to the provider as a gateway would.
 */
export async function signingKey(dir: string): Promise<{ jwk: JWK; token: () => Promise<string> }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'EdDSA', kid: 'bench' };
  await writeFile(join(dir, 'key.json'), JSON.stringify(jwk));
  const verifying = { ...(await exportJWK(publicKey)), alg: 'EdDSA', kid: 'bench', use: 'sig' };
  await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [verifying] }));
  const token = async () =>
    new SignJWT({ principal: 'bench:mcp-fleet:default:bench', roles: [] })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'bench' })
      .setIssuer('mcp-fleet-gateway')
      .setAudience('everything')
      .setSubject('bench')
      .setExpirationTime('1h')
      .sign(await importJWK(jwk, 'EdDSA'));
  return { jwk, token };
}

export const ROOT_POLICY = join(ROOT, 'deploy/dev/policy.yaml');
