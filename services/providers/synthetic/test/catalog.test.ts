import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createProviderClient } from '@mcp-fleet/contract';
import {
  checkHealth,
  freePort,
  resultOf,
  runCall,
  spawnProvider,
  toolCall,
  waitFor,
} from '@mcp-fleet/sdk/testing';
import { syntheticTools } from '../src/provider.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const NAME = /^[a-z0-9_]{1,54}$/;

describe('synthetic catalog', () => {
  it('is the same for a seed, another for another seed, with unique valid names', () => {
    const names = (seed: number) => syntheticTools(500, seed).map((t) => t.name);
    assert.deepEqual(names(42), names(42));
    assert.notDeepEqual(names(42), names(43));
    const tools = syntheticTools(2_000, 1);
    assert.equal(
      new Set(tools.map((t) => t.name)).size,
      2_000,
      'unique past the vocabulary, by region suffix',
    );
    for (const tool of tools) {
      assert.match(tool.name, NAME, 'room for a provider prefix within 64 characters');
      assert.ok(tool.description && tool.description.length > 20, tool.name);
      assert.equal(tool.inputSchema.type, 'object');
    }
    assert.ok(new Set(tools.map((t) => t.description)).size > 500, 'descriptions vary');
  });
});

describe('synthetic provider process', () => {
  it('serves the configured number of tools, each answering with its name and arguments', async () => {
    const target = `127.0.0.1:${await freePort()}`;
    const { child, output, exited } = spawnProvider(MAIN, [
      '--listen',
      target,
      '--insecure-no-identity',
      '--tools',
      '25',
      '--seed',
      '9',
    ]);
    try {
      await waitFor(() => output().includes('serving'), 'the provider to listen');
      assert.equal(await checkHealth(target, ''), 'SERVING');
      const [first] = syntheticTools(25, 9);
      const client = createProviderClient(target);
      const outcome = await runCall(client, toolCall(first?.name ?? '', { limit: 3 }));
      assert.deepEqual(resultOf(outcome), {
        content: [{ type: 'text', text: JSON.stringify({ tool: first?.name, arguments: { limit: 3 } }) }],
      });
      client.close();
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
