import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { gatewayConfigSpec } from '@mcp-fleet/gateway/config';
import { baseConfigSpec } from '@mcp-fleet/sdk';
import { parse } from 'yaml';
import { imageFor, serviceStages } from './dockerfiles.js';
import { FLEET_CHART, ROOT } from './helm.js';

type Manifest = { name: string; bin?: Record<string, string>; workspaces?: string[] };
const manifest = (dir: string) =>
  JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;

/** Every workspace package directory, as npm (and scripts/prod-install.sh) expands the patterns. */
const workspaces = (manifest('.').workspaces ?? []).flatMap((pattern) =>
  pattern.endsWith('/*')
    ? readdirSync(join(ROOT, pattern.slice(0, -2))).map((entry) => `${pattern.slice(0, -2)}/${entry}`)
    : [pattern],
);

/** The images the chart runs: the gateway and each provider it can enable. */
const values = parse(readFileSync(join(FLEET_CHART, 'values.yaml'), 'utf8')) as {
  providers: Record<string, { port: number }>;
};
const SERVICES = ['gateway', ...Object.keys(values.providers)];

/** The addresses a service listens on by default, by environment variable, from its own config spec. */
function defaultListenPorts(dir: string, entry: string): Map<string, number> {
  const defaultPort = /defaultPort: (\d+)/.exec(readFileSync(join(ROOT, entry), 'utf8'))?.[1];
  const spec: Record<string, { env?: string; default?: unknown }> =
    defaultPort === undefined ? gatewayConfigSpec : baseConfigSpec(Number(defaultPort));
  assert.ok(defaultPort !== undefined || dir === 'services/gateway', `${entry} names no defaultPort`);
  const ports = new Map<string, number>();
  for (const key of Object.values(spec)) {
    const port = typeof key.default === 'string' ? /^[\d.]+:(\d+)$/.exec(key.default)?.[1] : undefined;
    if (key.env && port) ports.set(key.env, Number(port));
  }
  return ports;
}

describe('deploy/Dockerfile gives each service what it needs', () => {
  it('has one stage per image the chart runs, and is the only Dockerfile', () => {
    assert.deepEqual(serviceStages().sort(), [...SERVICES].sort());
    const stray = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.name === 'node_modules' || entry.name === 'dist'
          ? []
          : entry.isDirectory()
            ? stray(join(dir, entry.name))
            : entry.name === 'Dockerfile'
              ? [join(dir, entry.name)]
              : [],
      );
    assert.deepEqual(stray('services'), []);
  });

  for (const service of SERVICES) {
    it(service, () => {
      const dirs = workspaces.filter((dir) => basename(dir) === service);
      assert.equal(dirs.length, 1, `one workspace package named ${service}: ${dirs.join(', ')}`);
      const dir = dirs[0] ?? '';
      const image = imageFor(service);

      // The command is the package's own executable, built.
      const bins = Object.values(manifest(dir).bin ?? {});
      assert.equal(bins.length, 1, `${dir}/package.json names one bin`);
      const entry = join(dir, bins[0] ?? '');
      assert.deepEqual(image.cmd, ['node', entry]);
      for (const file of [...image.cmd, ...image.healthcheck].filter((arg) => arg.endsWith('.js')))
        assert.ok(existsSync(join(ROOT, file)), `${file} exists (npx tsc -b builds it)`);

      // Every default listen address, on all interfaces in the image, and exposed.
      const ports = defaultListenPorts(dir, entry);
      assert.ok(ports.size > 0, `${service} listens somewhere`);
      for (const [env, port] of ports) assert.equal(image.env[env], `0.0.0.0:${port}`, env);
      assert.deepEqual([...image.expose].sort(), [...ports.values()].sort(), 'EXPOSE lists the listen ports');
      if (service !== 'gateway')
        assert.equal(values.providers[service]?.port, ports.get('MCPFLEET_LISTEN'), 'the chart agrees');
    });
  }
});
