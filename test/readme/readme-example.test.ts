import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createProviderClient, type ToolProviderClient } from '@mcp-fleet/contract';
import {
  freePort,
  type ProviderProcess,
  resultOf,
  runCall,
  spawnProvider,
  toolCall,
  waitFor,
} from '@mcp-fleet/sdk/testing';

const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));
// Inside the repository, so that `@mcp-fleet/sdk` resolves through the workspace's node_modules.
const EXAMPLE = fileURLToPath(new URL('../readme-weather.mjs', import.meta.url));

async function extractExample(): Promise<string> {
  const readme = await readFile(README, 'utf8');
  const block = /<!-- readme-example:start -->\s*```js\n([\s\S]*?)```\s*<!-- readme-example:end -->/.exec(
    readme,
  );
  if (!block?.[1]) throw new Error('README.md has no readme-example block');
  return block[1];
}

describe("the README's provider example", () => {
  let provider: ProviderProcess;
  let client: ToolProviderClient;

  before(async () => {
    await writeFile(EXAMPLE, await extractExample());
    const target = `127.0.0.1:${await freePort()}`;
    provider = spawnProvider(EXAMPLE, [], { MCPFLEET_LISTEN: target, MCPFLEET_INSECURE_NO_IDENTITY: 'true' });
    await waitFor(
      () => provider.output().includes('serving'),
      `the example to listen:\n${provider.output()}`,
    );
    client = createProviderClient(target);
  });
  after(async () => {
    client.close();
    provider.child.kill('SIGTERM');
    assert.equal(await provider.exited, 0);
  });

  it('runs as written: progress, a log line and the forecast come back over gRPC', async () => {
    const outcome = await runCall(
      client,
      toolCall('forecast', { city: 'Lyon' }, { meta: { progressToken: 'p' }, logLevel: 'info' }),
    );
    assert.deepEqual(
      outcome.frames.map((f) => f.frame),
      ['progress', 'log', 'result'],
    );
    assert.deepEqual(JSON.parse(outcome.frames[1]?.log?.dataJson.toString() ?? ''), {
      city: 'Lyon',
      caller: 'anonymous',
    });
    assert.deepEqual(resultOf(outcome), { content: [{ type: 'text', text: 'Lyon: sunny, 21 °C' }] });
  });

  it('refuses arguments its schema does not allow, in a tool error the model reads', async () => {
    const result = resultOf(await runCall(client, toolCall('forecast', { city: '' })));
    assert.equal(result.isError, true);
    assert.match(JSON.stringify(result.content), /\/city must NOT have fewer than 1 characters/);
  });
});
