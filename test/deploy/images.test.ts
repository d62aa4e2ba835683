import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@mcp-fleet/sdk/testing';
import { exportJWK, generateKeyPair } from 'jose';
import { DOCKERFILE, imageFor } from './dockerfiles.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`make test\``);
  return value;
}

const work = mkdtempSync(join(tmpdir(), 'mcpfleet-images-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A JWKS the providers verify identity tokens with (they refuse to start without one). */
async function jwksFile(): Promise<string> {
  const { publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const file = join(work, 'jwks.json');
  writeFileSync(
    file,
    JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'EdDSA', kid: 'k' }] }),
  );
  return file;
}

/** The settings each service needs to start here, on loopback, beside what its image sets. */
const SERVICES: Record<string, (port: number, jwks: string) => Record<string, string>> = {
  'services/gateway': (port) => ({
    MCPFLEET_GATEWAY_LISTEN: `127.0.0.1:${port}`,
    MCPFLEET_GRPC_LISTEN: 'off',
    MCPFLEET_PROVIDERS_FILE: join(ROOT, 'deploy/dev/providers.yaml'),
    MCPFLEET_POLICY_FILE: join(ROOT, 'deploy/dev/policy.yaml'),
  }),
  'services/providers/everything': (port, jwks) => ({
    MCPFLEET_LISTEN: `127.0.0.1:${port}`,
    MCPFLEET_IDENTITY_JWKS: jwks,
  }),
  'services/providers/postgres': (port, jwks) => ({
    MCPFLEET_LISTEN: `127.0.0.1:${port}`,
    MCPFLEET_IDENTITY_JWKS: jwks,
    DATABASE_URL: required('DATABASE_URL'),
  }),
  'services/providers/filesystem': (port, jwks) => ({
    MCPFLEET_LISTEN: `127.0.0.1:${port}`,
    MCPFLEET_IDENTITY_JWKS: jwks,
    MCPFLEET_FS_ROOTS: work,
  }),
  'services/providers/git': (port, jwks) => ({
    MCPFLEET_LISTEN: `127.0.0.1:${port}`,
    MCPFLEET_IDENTITY_JWKS: jwks,
    MCPFLEET_GIT_ROOTS: work,
  }),
  'services/providers/kubernetes': (port, jwks) => ({
    MCPFLEET_LISTEN: `127.0.0.1:${port}`,
    MCPFLEET_IDENTITY_JWKS: jwks,
    KUBECONFIG: required('KUBECONFIG'),
  }),
};

/** Runs the image's HEALTHCHECK command until it passes (or the process exits, or time runs out). */
async function healthy(cwd: string, command: string[], env: NodeJS.ProcessEnv, exited: () => boolean) {
  const [file = '', ...args] = command;
  for (let i = 0; i < 60 && !exited(); i++) {
    if (spawnSync(file, args, { cwd, env, stdio: 'ignore' }).status === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

describe('container images: deploy/Dockerfile lints clean and each image runs from a production install', () => {
  it('lints clean', () => {
    const lint = spawnSync(required('MCPFLEET_HADOLINT'), ['--no-color', DOCKERFILE], { encoding: 'utf8' });
    assert.equal(lint.status, 0, `hadolint deploy/Dockerfile:\n${lint.stdout}${lint.stderr}`);
  });

  for (const [service, settings] of Object.entries(SERVICES)) {
    it(service, async () => {
      const image = imageFor(basename(service));
      assert.match(image.from, /^node:20-bookworm-slim$/);
      assert.match(image.user, /^[1-9]\d*:[1-9]\d*$/, 'a numeric non-root user');
      assert.deepEqual(image.entrypoint, ['/usr/bin/tini', '--']);
      assert.ok(image.instructions.some((l) => /apt-get install .*\btini\b/.test(l)));
      assert.ok(
        image.instructions.includes('COPY --from=build /out/ ./'),
        'only the staged production install',
      );
      assert.equal(image.env.NODE_ENV, 'production');
      assert.ok(image.healthcheck.length > 0, 'a HEALTHCHECK');

      // The build stage's staging, here from the npm cache: then the image's own command and health check.
      const app = join(work, basename(service));
      execFileSync('bash', [join(ROOT, 'scripts/prod-install.sh'), service, app, '--offline'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const env = { PATH: process.env.PATH, ...image.env, ...settings(await freePort(), await jwksFile()) };
      const [file = '', ...args] = image.cmd;
      const child = spawn(file, args, { cwd: app, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let output = '';
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        assert.ok(
          await healthy(app, image.healthcheck, env, () => child.exitCode !== null),
          `${service} did not become healthy:\n${output}`,
        );
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exit, 0, `${service} drains and exits 0 on SIGTERM:\n${output}`);
    });
  }
});
