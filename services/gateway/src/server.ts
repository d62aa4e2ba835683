#!/usr/bin/env node
import { ConfigError, configUsage, createLogger, drainOnSignals, startTelemetry } from '@mcp-fleet/runtime';
import { build } from './app.js';
import { loadProvidersFile } from './catalog/providers-file.js';
import { gatewayConfigSpec, readGatewayConfig } from './config.js';
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
  const providers = config.providersFile
    ? await loadProvidersFile(config.providersFile, config.toolTimeout)
    : [];
  const workflows = config.workflowsFile ? await loadWorkflows(config.workflowsFile) : [];
  const stopTelemetry = startTelemetry('mcp-fleet-gateway');
  const logger = createLogger('gateway', config.logLevel);
  const gateway = await build({ config, providers, workflows, logger });
  await gateway.app.listen({ host: config.listen.host, port: config.listen.port });
  logger.info({ listen: config.listen, providers: providers.map((p) => p.name) }, 'gateway serving');
  drainOnSignals(logger, async () => {
    await gateway.drain();
    await stopTelemetry();
  });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`mcp-fleet-gateway: ${err.message}\n`);
  process.exit(2);
}
