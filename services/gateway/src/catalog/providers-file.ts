import { ConfigError, parseDuration } from '@mcp-fleet/runtime';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseConfigText, readConfigFile } from '../config-files.js';
import { PINNING_SCHEMA, type PinningOverride } from './pin-settings.js';

/** One provider the gateway forwards to, as written in the providers file. */
export interface ProviderConfig {
  /** Unique name; the audience of its identity tokens and the default tool prefix. */
  name: string;
  /** gRPC target: `host:port`, `dns:///service:port` (round-robin over every address). */
  target: string;
  /** Exposed names are `<prefix>_<tool>`; an empty prefix exposes tools as they are. */
  prefix: string;
  /** Deadline of each call in ms. */
  timeoutMs: number;
  /** Per-tool deadlines in ms, by the provider's own tool name. */
  toolTimeoutsMs: Record<string, number>;
  /** Pinned tool definitions of this provider, where they differ from the gateway's defaults. */
  pinning?: PinningOverride;
}

const DURATION = {
  oneOf: [
    { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)?$' },
    { type: 'integer', minimum: 1 },
  ],
};

const schema = {
  type: 'object',
  required: ['providers'],
  additionalProperties: false,
  properties: {
    providers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'target'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' },
          target: { type: 'string', minLength: 1 },
          prefix: { type: 'string', pattern: '^[A-Za-z0-9_-]{0,32}$' },
          timeout: DURATION,
          pinning: PINNING_SCHEMA,
          tools: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              properties: { timeout: DURATION },
            },
          },
        },
      },
    },
  },
};

const validate = new Ajv2020({ allErrors: true }).compile(schema);

interface RawProvider {
  name: string;
  target: string;
  prefix?: string;
  timeout?: string | number;
  tools?: Record<string, { timeout?: string | number }>;
  pinning?: PinningOverride;
}

const toMs = (value: string | number | undefined, fallback: number) =>
  value === undefined ? fallback : typeof value === 'number' ? value : (parseDuration(value) ?? fallback);

/** Parses and validates a providers file's text; every problem names its location in the file. */
export function parseProvidersFile(text: string, source: string, defaultTimeoutMs: number): ProviderConfig[] {
  const raw = parseConfigText(text, source);
  if (!validate(raw)) {
    throw new ConfigError(
      (validate.errors ?? []).map((e) => `${source}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`),
    );
  }
  const providers = (raw as { providers: RawProvider[] }).providers;
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const p of providers) {
    if (seen.has(p.name)) problems.push(`${source}: provider "${p.name}" is listed twice`);
    seen.add(p.name);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return providers.map((p) => {
    const timeoutMs = toMs(p.timeout, defaultTimeoutMs);
    return {
      name: p.name,
      target: p.target,
      prefix: p.prefix ?? p.name,
      timeoutMs,
      ...(p.pinning ? { pinning: p.pinning } : {}),
      toolTimeoutsMs: Object.fromEntries(
        Object.entries(p.tools ?? {}).map(([tool, t]) => [tool, toMs(t.timeout, timeoutMs)]),
      ),
    };
  });
}

export async function loadProvidersFile(path: string, defaultTimeoutMs: number): Promise<ProviderConfig[]> {
  return parseProvidersFile(await readConfigFile(path, 'providers file'), path, defaultTimeoutMs);
}
