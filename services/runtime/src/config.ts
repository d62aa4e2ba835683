import { ConfigError } from './errors.js';

/** How one configuration key is read, from an environment variable and a `--flag`. */
interface FieldBase {
  /** Environment variable, e.g. `MCPFLEET_LISTEN`. */
  env: string;
  /** Command-line flag without dashes, e.g. `listen` for `--listen`. */
  flag: string;
  /** One line for `--help`. */
  doc: string;
}

export type FieldSpec =
  | (FieldBase & { kind: 'string'; default?: string })
  | (FieldBase & { kind: 'int'; default?: number; min?: number; max?: number })
  | (FieldBase & { kind: 'bool'; default: boolean })
  | (FieldBase & { kind: 'enum'; values: readonly string[]; default: string })
  | (FieldBase & { kind: 'duration'; default: number })
  | (FieldBase & { kind: 'listen'; default: string });

export type ConfigSpec = Record<string, FieldSpec>;

type ValueOf<F extends FieldSpec> = F extends { kind: 'int' | 'duration' }
  ? F extends { default: number }
    ? number
    : number | undefined
  : F extends { kind: 'bool' }
    ? boolean
    : F extends { kind: 'listen' }
      ? ListenAddress
      : F extends { default: string }
        ? string
        : string | undefined;

export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: ValueOf<S[K]> };

export interface ListenAddress {
  host: string;
  port: number;
}

export interface ConfigSource {
  env: Record<string, string | undefined>;
  argv: readonly string[];
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `30s`, `500ms`, `2m`, `1h`, or a bare number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match?.[1]) return undefined;
  return Math.round(Number(match[1]) * (DURATION_UNIT_MS[match[2] ?? 'ms'] ?? 1));
}

/** Parses `host:port`, `[v6]:port` or `:port` (all interfaces). */
export function parseListen(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!match?.[3]) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

function convert(field: FieldSpec, raw: string): { value: unknown } | { problem: string } {
  switch (field.kind) {
    case 'string':
      return raw === '' ? { problem: 'must not be empty' } : { value: raw };
    case 'int': {
      const value = Number(raw);
      if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value))
        return { problem: 'expected an integer' };
      if (field.min !== undefined && value < field.min) return { problem: `must be >= ${field.min}` };
      if (field.max !== undefined && value > field.max) return { problem: `must be <= ${field.max}` };
      return { value };
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return { value: true };
      if (/^(0|false|no|off)$/i.test(raw)) return { value: false };
      return { problem: 'expected true or false' };
    case 'enum':
      return field.values.includes(raw)
        ? { value: raw }
        : { problem: `expected one of ${field.values.join(', ')}` };
    case 'duration': {
      const value = parseDuration(raw);
      return value === undefined ? { problem: 'expected a duration such as 500ms, 30s or 2m' } : { value };
    }
    case 'listen': {
      const value = parseListen(raw);
      return value === undefined ? { problem: 'expected host:port' } : { value };
    }
  }
}

/** Splits argv into `--flag value` / `--flag=value` pairs; a bare boolean flag means true. */
function readFlags(spec: ConfigSpec, argv: readonly string[], problems: string[]): Map<string, string> {
  const byFlag = new Map(Object.values(spec).map((field) => [field.flag, field]));
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    const field = match?.[1] ? byFlag.get(match[1]) : undefined;
    if (!match?.[1] || !field) {
      problems.push(`unknown argument ${JSON.stringify(arg)} (see --help)`);
      continue;
    }
    if (match[2] !== undefined) flags.set(match[1], match[2]);
    else if (field.kind === 'bool' && !/^(true|false)$/.test(argv[i + 1] ?? '')) flags.set(match[1], 'true');
    else if (i + 1 < argv.length) flags.set(match[1], argv[++i] ?? '');
    else problems.push(`--${match[1]} needs a value`);
  }
  return flags;
}

/**
 * Reads every key once at boot: a flag wins over the environment, which wins over the default.
 * Throws one ConfigError naming every bad key, its source and what was expected.
 */
export function parseConfig<S extends ConfigSpec>(spec: S, source: ConfigSource): ConfigOf<S> {
  const problems: string[] = [];
  const flags = readFlags(spec, source.argv, problems);
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec)) {
    const fromFlag = flags.get(field.flag);
    const raw = fromFlag ?? source.env[field.env];
    const origin = fromFlag !== undefined ? `--${field.flag}` : field.env;
    if (raw === undefined) {
      out[key] = field.kind === 'listen' ? parseListen(field.default) : field.default;
      continue;
    }
    const converted = convert(field, raw);
    if ('problem' in converted) problems.push(`${origin}=${JSON.stringify(raw)}: ${converted.problem}`);
    else out[key] = converted.value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

/** The `--help` text: one line per key with its flag, variable and default. */
export function configUsage(spec: ConfigSpec): string {
  return Object.values(spec)
    .map((field) => {
      const fallback = 'default' in field && field.default !== undefined ? ` (default ${field.default})` : '';
      return `  --${field.flag.padEnd(24)} ${field.env.padEnd(32)} ${field.doc}${fallback}`;
    })
    .join('\n');
}
