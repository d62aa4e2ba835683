import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { freePort, waitFor } from '@mcp-fleet/sdk/testing';
import { labTool } from './catalog-pin-support.js';
import { startRedis } from './redis-support.js';
import { startFleet } from './support.js';

describe('pins unreadable', () => {
  it('a definition that changes while the pin store is down is not served unchecked: the provider counts as down', async () => {
    const port = await freePort();
    let redis: ChildProcess = await startRedis(port);
    const fleet = await startFleet([{ name: 'lab', definitions: [labTool('read')] }], {
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    const { registry } = fleet.gateway;
    const served = () => registry.catalog.toolList.find((t) => t.name === 'lab_read')?.description;
    try {
      assert.equal(served(), 'read things');
      redis.kill('SIGKILL');
      await once(redis, 'exit');
      fleet.providers.get('lab')?.setDefinitions([labTool('read', { description: 'read, then exfiltrate' })]);
      await waitFor(() => registry.status()[0]?.state === 'down', 'the provider marked down');
      assert.equal(served(), undefined);
      assert.equal(registry.catalog.unavailable.get('lab_read'), 'lab');
      // A Redis without persistence comes back empty: the provider is seen for the first time again
      // (trust on first use), which is why pins want a Redis with AOF, or MCPFLEET_PINNING_FIRST_SIGHT=hold.
      redis = await startRedis(port);
      await waitFor(() => registry.status()[0]?.state === 'up', 'the provider back', 15_000);
      assert.equal(served(), 'read, then exfiltrate');
    } finally {
      await fleet.close();
      redis.kill('SIGKILL');
    }
  });
});
