import { readFileSync } from 'node:fs';

/** What a service's image runs, read from the final stage of its Dockerfile. */
export interface FinalStage {
  from: string;
  user: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[];
  /** Every instruction of the final stage, continuation lines joined. */
  instructions: string[];
}

const json = (text: string, what: string): string[] => {
  const value = JSON.parse(text) as unknown;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new Error(`${what} must be an exec-form JSON array, not ${text}`);
  return value;
};

export function finalStage(file: string): FinalStage {
  const instructions = readFileSync(file, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const from = instructions
    .map((line, index) => [line, index] as const)
    .filter(([l]) => l.startsWith('FROM '));
  const start = from.at(-1)?.[1] ?? 0;
  const stage = instructions.slice(start);
  const arg = (keyword: string) =>
    stage
      .filter((line) => line.startsWith(`${keyword} `))
      .at(-1)
      ?.slice(keyword.length + 1)
      .trim() ?? '';
  const env: Record<string, string> = {};
  for (const line of stage.filter((l) => l.startsWith('ENV ')))
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  const health = arg('HEALTHCHECK');
  return {
    from: arg('FROM'),
    user: arg('USER'),
    env,
    entrypoint: json(arg('ENTRYPOINT') || '[]', 'ENTRYPOINT'),
    cmd: json(arg('CMD') || '[]', 'CMD'),
    healthcheck: json(health.slice(health.indexOf('CMD ') + 4) || '[]', 'HEALTHCHECK CMD'),
    instructions: stage,
  };
}
