import { readFile } from 'node:fs/promises';
import { ConfigError } from '@mcp-fleet/runtime';
import { parse as parseYaml } from 'yaml';

/**
 * The text of an operator's file (providers, policy, auth, workflows) as data: JSON when the name
 * ends in .json, else YAML (a superset) with aliases capped against expansion bombs.
 */
export function parseConfigText(text: string, source: string): unknown {
  const json = source.endsWith('.json');
  try {
    return json ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([`${source}: not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message}`]);
  }
}

/** Reads an operator's file; a missing or unreadable one is a configuration error naming it. */
export async function readConfigFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${what} ${path}: ${(err as Error).message}`]);
  }
}
