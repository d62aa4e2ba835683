import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FLEET_CHART, ROOT } from './helm.js';

interface Schema {
  $ref?: string;
  $defs?: Record<string, Schema>;
  type?: string | string[];
  description?: string;
  enum?: string[];
  properties?: Record<string, Schema>;
}

export const README = join(ROOT, 'README.md');
const START = '<!-- helm-values:start (generated from helm/mcp-fleet/values.schema.json and values.yaml) -->';
const END = '<!-- helm-values:end -->';

const shown = (value: unknown) => (value === undefined ? '' : `\`${JSON.stringify(value)}\``);

/** The chart's values as a Markdown table: every leaf of the schema, its default and its meaning. */
export function valuesTable(): string {
  const schema = JSON.parse(readFileSync(join(FLEET_CHART, 'values.schema.json'), 'utf8')) as Schema;
  const defaults = parse(readFileSync(join(FLEET_CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const rows: string[] = [];
  const definition = (ref: string): Schema => {
    const found = schema.$defs?.[ref.replace('#/$defs/', '')];
    if (!found) throw new Error(`values.schema.json: no ${ref}`);
    return found;
  };
  /** A node with what it takes from $ref merged in, and the names of the properties it takes. */
  const resolved = (node: Schema): Schema & { inherited: Set<string> } => {
    if (!node.$ref) return { ...node, inherited: new Set() };
    const base = resolved(definition(node.$ref));
    if (!base.properties) return { ...base, ...node, inherited: new Set() };
    const own = node.properties ?? {};
    return {
      ...base,
      ...node,
      properties: { ...own, ...base.properties },
      inherited: new Set(Object.keys(base.properties).filter((key) => !(key in own))),
    };
  };
  const walk = (schemaNode: Schema, path: string[], value: unknown) => {
    const node = resolved(schemaNode);
    if (node.properties && path.length < 4 && !(path.length >= 1 && path.at(-1) === 'policy')) {
      for (const [key, child] of Object.entries(node.properties)) {
        const set = (value as Record<string, unknown> | undefined)?.[key];
        // A shared property (e.g. a provider's replicas) gets a row where values.yaml sets it.
        if (!node.inherited.has(key) || set !== undefined) walk(child, [...path, key], set);
      }
      return;
    }
    const meaning = `${node.description ?? ''}${node.enum ? ` (${node.enum.join(', ')})` : ''}`;
    rows.push(`| \`${path.join('.')}\` | ${shown(value)} | ${meaning.replaceAll('|', '\\|')} |`);
  };
  walk(schema, [], defaults);
  return [START, '| value | default | meaning |', '| --- | --- | --- |', ...rows, END].join('\n');
}

/** The table as the README has it now. */
export function readmeTable(): string {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  return start < 0 || end < 0 ? '' : text.slice(start, end + END.length);
}

if (process.argv.includes('--write')) {
  const text = readFileSync(README, 'utf8');
  const current = readmeTable();
  if (!current) throw new Error(`README.md has no ${START} ... ${END} section to fill`);
  writeFileSync(README, text.replace(current, valuesTable()));
}
