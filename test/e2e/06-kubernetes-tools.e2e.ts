/**
 * The Kubernetes provider against real pods: the logs a running container writes, a command run
 * in it (exec, switched on in the e2e values), its CPU and memory from the metrics API
 * (metrics-server, top), all through the gateway Service.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { agentPerSuite, call, text } from './agent.js';
import { until } from './cluster.js';

describe('the Kubernetes provider on real pods', () => {
  const agent = agentPerSuite();

  it('pod_logs: the lines a running container wrote', async () => {
    const logs = await until('ticker to have logged', async () => {
      const out = text(
        await call(agent(), 'kubernetes_pod_logs', { namespace: 'e2e-apps', name: 'ticker', tailLines: 5 }),
      );
      return /tick \d+/.test(out) ? out : undefined;
    });
    assert.match(logs, /tick \d+/);
  });

  it('exec: runs a command in the container and returns its output and exit code', async () => {
    const ok = await call(agent(), 'kubernetes_exec', {
      namespace: 'e2e-apps',
      pod: 'ticker',
      command: ['node', '-e', 'console.log("pid", process.pid)'],
    });
    assert.match(text(ok), /pid \d+/);
    // A failing command is the tool's error, with the command's own exit code.
    const failed = await agent().callTool({
      name: 'kubernetes_exec',
      arguments: { namespace: 'e2e-apps', pod: 'ticker', command: ['node', '-e', 'process.exit(3)'] },
    });
    assert.equal(failed.isError, true);
    assert.match(text(failed as CallToolResult), /"exitCode": 3/);
  });

  it('top: CPU and memory of the running pods, from the metrics API', async () => {
    // metrics-server has figures once it scraped the kubelet twice (a resolution of 15 s).
    const result = await until('metrics of the ticker pod', async () => {
      const out = await call(agent(), 'kubernetes_top', { namespace: 'e2e-apps' });
      return /ticker/.test(text(out)) ? out : undefined;
    });
    assert.match(text(result), /ticker/);
  });
});
