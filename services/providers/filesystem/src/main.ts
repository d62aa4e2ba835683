#!/usr/bin/env node
import { runProvider } from '@mcp-fleet/sdk';
import { Anchor } from './anchor.js';
import { filesystemTools, loadRoots } from './provider.js';

await runProvider({
  name: 'filesystem',
  version: '0.1.0',
  defaultPort: 50053,
  config: {
    roots: {
      kind: 'string',
      env: 'MCPFLEET_FS_ROOTS',
      flag: 'roots',
      default: './.dev/data:rw',
      doc: 'comma-separated directories; append :rw to make one writable',
    },
    maxRead: {
      kind: 'int',
      env: 'MCPFLEET_FS_MAX_READ',
      flag: 'max-read',
      default: 10 * 1024 * 1024,
      min: 1,
      doc: 'largest file read, bytes',
    },
    maxWrite: {
      kind: 'int',
      env: 'MCPFLEET_FS_MAX_WRITE',
      flag: 'max-write',
      default: 10 * 1024 * 1024,
      min: 1,
      doc: 'largest file written, bytes',
    },
  },
  async setup(config) {
    const roots = await loadRoots(config.roots);
    // Every operation goes through /proc/self/fd (see anchor.ts): refuse to start without it.
    for (const root of roots) await (await Anchor.open(root.real)).close();
    return {
      instructions: `Files under ${roots.map((r) => `${r.given}${r.writable ? ' (writable)' : ''}`).join(', ')}. Relative paths start at the first root.`,
      definitions: filesystemTools({ roots, maxRead: config.maxRead, maxWrite: config.maxWrite }),
    };
  },
});
