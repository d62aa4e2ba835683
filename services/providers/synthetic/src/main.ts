#!/usr/bin/env node
import { runProvider } from '@mcp-fleet/sdk';
import { DEFAULT_SEED, DEFAULT_TOOL_COUNT, syntheticTools } from './provider.js';

await runProvider({
  name: 'synthetic',
  version: '0.1.0',
  defaultPort: 50056,
  config: {
    toolCount: {
      kind: 'int',
      env: 'MCPFLEET_SYNTHETIC_TOOLS',
      flag: 'tools',
      default: DEFAULT_TOOL_COUNT,
      min: 1,
      max: 100_000,
      doc: 'how many tools to generate',
    },
    seed: {
      kind: 'int',
      env: 'MCPFLEET_SYNTHETIC_SEED',
      flag: 'seed',
      default: DEFAULT_SEED,
      min: 0,
      doc: 'seed of the generated catalog (same seed, same tools)',
    },
  },
  setup: (config) => ({
    instructions: 'A generated catalog of business-system tools, for measuring catalog search.',
    definitions: syntheticTools(config.toolCount, config.seed),
  }),
});
