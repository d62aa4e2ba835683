import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helm.js';

/** deploy/Dockerfile: every service's image, chosen with `--build-arg SERVICE=<name>`. */
export const DOCKERFILE = join(ROOT, 'deploy/Dockerfile');

/** What a service's image runs: its final stage and every stage that one is built on, resolved. */
export interface Image {
  /** The external base image at the root of the chain of stages. */
  from: string;
  user: string;
  env: Record<string, string>;
  expose: number[];
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[];
  /** Every instruction from the base image on, continuation lines joined. */
  instructions: string[];
}

interface Stage {
  name: string;
  base: string;
  instructions: string[];
}

const json = (text: string, what: string): string[] => {
  const value = JSON.parse(text) as unknown;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new Error(`${what} must be an exec-form JSON array, not ${text}`);
  return value;
};

function stages(file: string): Stage[] {
  const instructions = readFileSync(file, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const result: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM (\S+)(?: AS (\S+))?$/.exec(line);
    if (from) result.push({ base: from[1] ?? '', name: from[2] ?? '', instructions: [] });
    else result.at(-1)?.instructions.push(line);
  }
  return result;
}

/** The stages a `--build-arg SERVICE` can name: every named stage no other stage builds on or copies from. */
export function serviceStages(file = DOCKERFILE): string[] {
  const all = stages(file);
  const used = new Set([
    ...all.map((s) => s.base),
    ...all.flatMap((s) => s.instructions.flatMap((l) => /--from=(\S+)/.exec(l)?.[1] ?? [])),
  ]);
  return all.filter((s) => s.name && !used.has(s.name)).map((s) => s.name);
}

/** The image `docker build --build-arg SERVICE=<service>` makes of the file. */
export function imageFor(service: string, file = DOCKERFILE): Image {
  const all = stages(file);
  const chain: Stage[] = [];
  let base = (all.at(-1)?.base ?? '').replace(/\$\{SERVICE\}/, service);
  for (let stage = all.find((s) => s.name === base); stage; stage = all.find((s) => s.name === base)) {
    if (chain.includes(stage)) throw new Error(`stage ${stage.name} is built on itself`);
    chain.unshift(stage);
    base = stage.base;
  }
  if (chain.length === 0) throw new Error(`no stage named ${service} in ${file}`);
  const instructions = chain.flatMap((s) => s.instructions);
  const last = (keyword: string) =>
    instructions
      .filter((line) => line.startsWith(`${keyword} `))
      .at(-1)
      ?.slice(keyword.length + 1)
      .trim() ?? '';
  const env: Record<string, string> = {};
  for (const line of instructions.filter((l) => l.startsWith('ENV ')))
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  const health = last('HEALTHCHECK');
  return {
    from: base,
    user: last('USER'),
    env,
    expose: instructions
      .filter((l) => l.startsWith('EXPOSE '))
      .flatMap((l) => l.slice(7).trim().split(/\s+/).map(Number)),
    entrypoint: json(last('ENTRYPOINT') || '[]', 'ENTRYPOINT'),
    cmd: json(last('CMD') || '[]', 'CMD'),
    healthcheck: json(health.slice(health.indexOf('CMD ') + 4) || '[]', 'HEALTHCHECK CMD'),
    instructions,
  };
}
