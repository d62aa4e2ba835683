/**
 * The Kubernetes provider against real pods: the logs a running container writes, a command run
 * in it (exec, switched on in the e2e values), its CPU and memory from the metrics API
 * (metrics-server, top), all through the gateway Service.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { call, connectAgent, text } from './agent.js';
import { loadState, until } from './cluster.js';

describe('the Kubernetes provider on real pods', () => {
  let client: Client;
  before(async () => {
    client = await connectAgent(loadState());
  });
  after(() => client?.close());

  it('pod_logs: the lines a running container wrote', async () => {
    const logs = await until('ticker to have logged', async () => {
      const out = text(
        await call(client, 'kubernetes_pod_logs', { namespace: 'e2e-apps', name: 'ticker', tailLines: 5 }),
      );
      return /tick \d+/.test(out) ? out : undefined;
    });
    assert.match(logs, /tick \d+/);
  });

  it('exec: runs a command in the container and returns its output and exit code', async () => {
    const ok = await call(client, 'kubernetes_exec', {
      namespace: 'e2e-apps',
      pod: 'ticker',
      command: ['node', '-e', 'console.log("pid", process.pid)'],
    });
    assert.match(text(ok), /pid \d+/);
    // A failing command is the tool's error, with the command's own exit code.
    const failed = await client.callTool({
      name: 'kubernetes_exec',
      arguments: { namespace: 'e2e-apps', pod: 'ticker', command: ['node', '-e', 'process.exit(3)'] },
    });
    assert.equal(failed.isError, true);
    assert.match(text(failed as CallToolResult), /"exitCode": 3/);
  });

  it('top: CPU and memory of the running pods, from the metrics API', async () => {
    // metrics-server has figures once it scraped the kubelet twice (a resolution of 15 s).
    const result = await until('metrics of the ticker pod', async () => {
      const out = await call(client, 'kubernetes_top', { namespace: 'e2e-apps' });
      return /ticker/.test(text(out)) ? out : undefined;
    });
    assert.match(text(result), /ticker/);
  });
});
