#!/usr/bin/env node
import cluster from 'node:cluster';
import { ConfigError, configUsage, createLogger, drainOnSignals, startTelemetry } from '@mcp-fleet/runtime';
import { build } from './app.js';
import { loadProvidersFile } from './catalog/providers-file.js';
import { type GatewayConfig, gatewayConfigSpec, readGatewayConfig } from './config.js';
import { superviseWorkers } from './wiring/worker-pool.js';
import { loadWorkflows } from './workflows/workflow-file.js';

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  process.stdout.write(
    `mcp-fleet-gateway: the MCP Fleet edge gateway\n\n${configUsage(gatewayConfigSpec)}\n`,
  );
  process.exit(0);
}

try {
  const config = readGatewayConfig({ argv, env: process.env });
  if (!config.providersFile && config.discovery === 'off')
    throw new ConfigError([
      'MCPFLEET_PROVIDERS_FILE (--providers-file) is required unless MCPFLEET_DISCOVERY is on',
    ]);
  if (config.workers > 1 && (!config.redisUrl || !config.identityKey))
    throw new ConfigError([
      'MCPFLEET_GATEWAY_WORKERS above 1 needs REDIS_URL and MCPFLEET_IDENTITY_KEY: the workers are replicas, sharing sessions, limits and routing through Redis and signing for providers with one key',
    ]);
  if (config.workers > 1 && cluster.isPrimary) {
    // Checked here too, so that a bad file stops the start (exit 2) instead of every worker.
    await loadFiles(config);
    superviseWorkers(config.workers, createLogger('gateway', config.logLevel));
  } else await serve(config);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`mcp-fleet-gateway: ${err.message}\n`);
  process.exit(2);
}

/** One gateway in this process: the only one, or one of the workers. */
async function serve(config: GatewayConfig): Promise<void> {
  const { providers, workflows } = await loadFiles(config);
  const stopTelemetry = startTelemetry('mcp-fleet-gateway');
  const logger = createLogger('gateway', config.logLevel);
  // A worker listens once its providers answered (or the start-up timeout passed), not while its
  // catalog is still empty: the primary hands connections to any worker listening.
  const gateway = await build({ config, providers, workflows, logger, awaitStartup: cluster.isWorker });
  await gateway.app.listen({ host: config.listen.host, port: config.listen.port });
  logger.info({ listen: config.listen, providers: providers.map((p) => p.name) }, 'gateway serving');
  drainOnSignals(logger, async () => {
    await gateway.drain();
    await stopTelemetry(logger);
  });
}

async function loadFiles(config: GatewayConfig) {
  const providers = config.providersFile
    ? await loadProvidersFile(config.providersFile, config.toolTimeout)
    : [];
  const workflows = config.workflowsFile ? await loadWorkflows(config.workflowsFile) : [];
  return { providers, workflows };
}
