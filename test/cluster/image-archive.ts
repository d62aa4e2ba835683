/**
 * Writes a docker-archive tar (what `docker save` writes, what `ctr images import` reads) of one
 * root filesystem as a single layer, without Docker or a registry:
 *   node image-archive.js <rootfs dir> <name:tag> <out.tar> <service>   settings from deploy/Dockerfile
 *   node image-archive.js <rootfs dir> <name:tag> <out.tar> --config '<JSON image config>'
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageFor } from '../deploy/dockerfiles.js';

/** The OCI/Docker image config's `config` block. */
export interface RunConfig {
  User?: string;
  Env?: string[];
  WorkingDir?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  ExposedPorts?: Record<string, Record<string, never>>;
}

/** The node base image's PATH, which every stage of deploy/Dockerfile inherits. */
const BASE_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What deploy/Dockerfile sets for the image `--build-arg SERVICE=<service>` builds. */
export function dockerfileConfig(service: string): RunConfig {
  const image = imageFor(service);
  const workdirs = image.instructions.filter((l) => l.startsWith('WORKDIR '));
  const allEnv = image.instructions
    .filter((l) => l.startsWith('ENV '))
    .flatMap((l) => l.slice(4).trim().split(/\s+/));
  return {
    User: image.user,
    Env: [BASE_PATH, ...allEnv],
    WorkingDir: workdirs.at(-1)?.slice(8).trim() ?? '/',
    Entrypoint: image.entrypoint,
    Cmd: image.cmd,
    ExposedPorts: Object.fromEntries(image.expose.map((p) => [`${p}/tcp`, {}])),
  };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export function writeArchive(rootfs: string, tag: string, out: string, config: RunConfig): void {
  const work = mkdtempSync(join(tmpdir(), 'mcpfleet-image-'));
  try {
    const layerTar = join(work, 'layer.tar');
    // Fixed owners and times: the same rootfs gives the same layer digest.
    execFileSync('tar', ['-C', rootfs, '--numeric-owner', '--sort=name', '--mtime=@0', '-cf', layerTar, '.']);
    const layer = readFileSync(layerTar);
    const diffId = sha256(layer);
    mkdirSync(join(work, diffId));
    writeFileSync(join(work, diffId, 'layer.tar'), layer);
    rmSync(layerTar);
    const imageConfig = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '1970-01-01T00:00:00Z',
        config,
        rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
        history: [{ created: '1970-01-01T00:00:00Z', created_by: 'mcp-fleet image-archive' }],
      }),
    );
    const configName = `${sha256(imageConfig)}.json`;
    writeFileSync(join(work, configName), imageConfig);
    writeFileSync(
      join(work, 'manifest.json'),
      JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: [`${diffId}/layer.tar`] }]),
    );
    execFileSync('tar', ['-C', work, '-cf', out, 'manifest.json', configName, diffId]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main(argv: string[]): void {
  const [rootfs, tag, out, what, json] = argv;
  if (!rootfs || !tag || !out || !what)
    throw new Error('usage: image-archive <rootfs> <name:tag> <out.tar> <service> | --config <json>');
  const config = what === '--config' ? (JSON.parse(json ?? '{}') as RunConfig) : dockerfileConfig(what);
  writeArchive(rootfs, tag, out, config);
}

if (process.argv[1]?.endsWith('image-archive.js')) main(process.argv.slice(2));
