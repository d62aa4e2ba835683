/**
 * `make images` builds what deploy/Dockerfile describes: for every service stage, the archive's
 * image config has the Dockerfile's user, workdir, environment, exposed ports, entrypoint and
 * command, and its layer holds the files those name (tini, node, the service's entry script).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dockerfileConfig, type RunConfig } from '../cluster/image-archive.js';
import { serviceStages } from '../deploy/dockerfiles.js';

const run = promisify(execFile);
const imagesDir = () =>
  process.env.MCPFLEET_IMAGES_DIR ?? join(process.env.HOME ?? '/root', '.cache/mcp-fleet/images');

async function readArchive(tar: string) {
  const member = async (name: string) =>
    (await run('tar', ['-xOf', tar, name], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  const [manifest] = JSON.parse(await member('manifest.json')) as {
    Config: string;
    RepoTags: string[];
    Layers: string[];
  }[];
  assert.ok(manifest, `${tar} has a manifest`);
  const config = JSON.parse(await member(manifest.Config)) as {
    config: RunConfig;
    rootfs: { diff_ids: string[] };
  };
  const layer = manifest.Layers[0] ?? '';
  // The layer's file list, read as a stream: it holds node and the service's node_modules.
  const { stdout } = await run('sh', ['-c', 'tar -xOf "$1" "$2" | tar -t', 'sh', tar, layer], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return { manifest, config, files: new Set(stdout.split('\n').map((f) => f.replace(/^\.\//, '/'))) };
}

describe('make images builds what deploy/Dockerfile describes', () => {
  for (const service of serviceStages()) {
    it(service, async () => {
      const { manifest, config, files } = await readArchive(join(imagesDir(), `${service}.tar`));
      const expected = dockerfileConfig(service);
      assert.deepEqual(manifest.RepoTags, [`mcp-fleet.local/${service}:0.1.0`]);
      assert.deepEqual(config.config, expected);
      assert.equal(config.rootfs.diff_ids.length, manifest.Layers.length);
      assert.match(expected.User ?? '', /^[1-9]\d*:\d+$/, 'a numeric non-root user');
      assert.equal(expected.WorkingDir, '/app');
      const [init] = expected.Entrypoint ?? [];
      assert.ok(init && files.has(init), `the entrypoint ${init} is in the image`);
      const [program, script] = expected.Cmd ?? [];
      assert.equal(program, 'node');
      assert.ok(files.has('/usr/local/bin/node'), 'node is on the PATH');
      assert.ok(script && files.has(`/app/${script}`), `the command's script /app/${script} is in the image`);
      assert.ok(Object.keys(expected.ExposedPorts ?? {}).length > 0, 'it exposes its port');
    });
  }
});
