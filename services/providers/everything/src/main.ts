#!/usr/bin/env node
import { runProvider } from '@mcp-fleet/sdk';
import { catalogChanges, definitions, WATCHED_RESOURCE, watched } from './provider.js';

await runProvider({
  name: 'everything',
  version: '0.1.0',
  defaultPort: 50051,
  config: {
    watchInterval: {
      kind: 'duration',
      env: 'MCPFLEET_EVERYTHING_WATCH_INTERVAL',
      flag: 'watch-interval',
      default: 10_000,
      doc: 'how often test://watched-resource changes (0 = never)',
    },
  },
  setup: () => ({
    instructions: 'Fixtures of the MCP conformance suite, plus an echo tool.',
    definitions,
  }),
  started(handle, config) {
    catalogChanges.attach(handle, definitions);
    if (config.watchInterval <= 0) return;
    setInterval(() => {
      watched.version++;
      handle.resourceUpdated(WATCHED_RESOURCE);
    }, config.watchInterval).unref();
  },
});
