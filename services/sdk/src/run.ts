import {
  ConfigError,
  type ConfigOf,
  type ConfigSpec,
  configUsage,
  createLogger,
  drainOnSignals,
  errorMessage,
  parseConfig,
  parseListen,
  processConfigSpec,
  startTelemetry,
} from '@mcp-fleet/runtime';
import type { Logger } from 'pino';
import { DefinitionError } from './errors.js';
import { createIdentityVerifier } from './identity.js';
import { serveMetrics } from './metrics.js';
import {
  DEFAULT_MAX_CALLS_PER_STREAM,
  type ProviderHandle,
  type ProviderSpec,
  serveProvider,
} from './server.js';

/** Keys every provider reads; a provider adds its own with `config`. */
export function baseConfigSpec(defaultPort: number) {
  return {
    listen: {
      kind: 'listen',
      env: 'MCPFLEET_LISTEN',
      flag: 'listen',
      default: `127.0.0.1:${defaultPort}`,
      doc: 'gRPC address to serve on',
    },
    ...processConfigSpec,
    maxCallsPerStream: {
      kind: 'int',
      env: 'MCPFLEET_MAX_CALLS_PER_STREAM',
      flag: 'max-calls-per-stream',
      default: DEFAULT_MAX_CALLS_PER_STREAM,
      min: 1,
      doc: 'calls in flight on one multiplexed CallBatches stream; one more is refused with RESOURCE_EXHAUSTED',
    },
    metricsListen: {
      kind: 'string',
      env: 'MCPFLEET_METRICS_LISTEN',
      flag: 'metrics-listen',
      doc: 'host:port serving Prometheus /metrics (off when unset)',
    },
    identityJwks: {
      kind: 'string',
      env: 'MCPFLEET_IDENTITY_JWKS',
      flag: 'identity-jwks',
      doc: "path of a JWKS file with the gateway's public keys",
    },
    identityIssuer: {
      kind: 'string',
      env: 'MCPFLEET_IDENTITY_ISSUER',
      flag: 'identity-issuer',
      default: 'mcp-fleet-gateway',
      doc: 'expected issuer of identity tokens',
    },
    insecureNoIdentity: {
      kind: 'bool',
      env: 'MCPFLEET_INSECURE_NO_IDENTITY',
      flag: 'insecure-no-identity',
      default: false,
      doc: 'accept calls without an identity token (local development only)',
    },
  } as const satisfies ConfigSpec;
}

export type BaseConfig = ConfigOf<ReturnType<typeof baseConfigSpec>>;

export interface RunProviderOptions<S extends ConfigSpec> {
  name: string;
  version: string;
  defaultPort: number;
  /** The provider's own configuration keys. */
  config?: S;
  /** Builds the provider from its configuration, with the process logger. */
  setup(
    config: ConfigOf<S> & BaseConfig,
    logger: Logger,
  ): Promise<Omit<ProviderSpec, 'name' | 'version'>> | Omit<ProviderSpec, 'name' | 'version'>;
  /** Runs once the server listens, e.g. to start timers that announce resource updates. */
  started?(handle: ProviderHandle, config: ConfigOf<S> & BaseConfig): void;
  argv?: readonly string[];
  env?: Record<string, string | undefined>;
}

/**
 * The whole life of a provider process: parse configuration (refusing to start with a message
 * that names the bad key), serve, and drain on SIGTERM/SIGINT.
 */
export async function runProvider<S extends ConfigSpec = Record<never, never>>(
  options: RunProviderOptions<S>,
): Promise<void> {
  const argv = options.argv ?? process.argv.slice(2);
  const spec = { ...baseConfigSpec(options.defaultPort), ...(options.config ?? {}) } as ConfigSpec;
  if (argv.includes('--help')) {
    process.stdout.write(`${options.name} ${options.version}: MCP Fleet provider\n\n${configUsage(spec)}\n`);
    return;
  }
  let config: ConfigOf<S> & BaseConfig;
  try {
    config = parseConfig(spec, { argv, env: options.env ?? process.env }) as ConfigOf<S> & BaseConfig;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${options.name}: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const stopTelemetry = startTelemetry(options.name);
  const logger = createLogger(options.name, config.logLevel);
  if (!config.identityJwks) {
    if (!config.insecureNoIdentity) {
      logger.fatal(
        'no MCPFLEET_IDENTITY_JWKS: set it, or MCPFLEET_INSECURE_NO_IDENTITY=true for local development',
      );
      process.exitCode = 2;
      return;
    }
    logger.warn('INSECURE: accepting calls without an identity token; never run like this outside a laptop');
  }
  try {
    const built = await options.setup(config, logger);
    const handle = await serveProvider(
      { ...built, name: options.name, version: options.version },
      {
        host: config.listen.host,
        port: config.listen.port,
        logger,
        drainTimeoutMs: config.drainTimeout,
        maxCallsPerStream: config.maxCallsPerStream,
        identify: createIdentityVerifier({
          jwksFile: config.identityJwks,
          audience: options.name,
          issuer: config.identityIssuer,
          insecure: config.insecureNoIdentity,
          logger,
        }),
      },
    );
    options.started?.(handle, config);
    if (config.metricsListen) {
      const address = parseListen(config.metricsListen);
      if (!address)
        throw new ConfigError([
          `MCPFLEET_METRICS_LISTEN=${JSON.stringify(config.metricsListen)}: expected host:port`,
        ]);
      await serveMetrics(address.host, address.port);
      logger.info({ metrics: config.metricsListen }, 'metrics serving');
    }
    drainOnSignals(logger, async () => {
      await handle.drain();
      await stopTelemetry(logger);
    });
  } catch (err) {
    logger.fatal(
      { err },
      err instanceof DefinitionError ? 'invalid provider definitions' : `cannot start: ${errorMessage(err)}`,
    );
    process.exitCode = 1;
  }
}
