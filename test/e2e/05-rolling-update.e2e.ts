/**
 * `helm upgrade` with a changed gateway value rolls both gateway replicas while an agent keeps
 * calling through the Service: every call gets its answer, and the gateway pods are all new.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { call, connectAgent, text } from './agent.js';
import { helm, kubectlJson, loadState, NAMESPACE, ROOT } from './cluster.js';

/** The gateway pods that are not on their way out. */
const gatewayPods = async () =>
  (
    await kubectlJson<{ items: { metadata: { name: string; deletionTimestamp?: string } }[] }>([
      'get',
      'pods',
      '-n',
      NAMESPACE,
      '-l',
      'app.kubernetes.io/component=gateway',
    ])
  ).items
    .filter((pod) => !pod.metadata.deletionTimestamp)
    .map((pod) => pod.metadata.name)
    .sort();

describe('a gateway rolling update under light load', () => {
  it('loses no call', async (t) => {
    const state = loadState();
    const client = await connectAgent(state, 'e2e-rolling');
    const before = await gatewayPods();
    let rolling = true;
    const failures: string[] = [];
    let calls = 0;
    // Two agents' worth of sequential calls, for as long as the rollout lasts.
    const load = [0, 1].map(async (worker) => {
      while (rolling) {
        const payload = `call ${worker}-${calls++}`;
        try {
          assert.equal(text(await call(client, 'everything_echo', { text: payload })), payload);
        } catch (err) {
          failures.push(`${payload}: ${String(err)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    try {
      await helm([
        'upgrade',
        'fleet',
        join(ROOT, 'helm/mcp-fleet'),
        '-n',
        NAMESPACE,
        '-f',
        state.valuesFile,
        '--set-string',
        `gateway.podAnnotations.e2e/rollout=${Date.now()}`,
        '--wait',
        '--timeout',
        '5m',
      ]);
    } finally {
      rolling = false;
      await Promise.all(load);
      await client.close();
    }
    t.diagnostic(`rolling update: ${failures.length} of ${calls} calls lost`);
    assert.ok(calls > 0);
    assert.deepEqual(failures, [], `${failures.length} of ${calls} calls failed`);
    const after = await gatewayPods();
    assert.equal(after.length, 2, `gateway pods: ${after}`);
    assert.ok(
      after.every((pod) => !before.includes(pod)),
      `gateway pods were not replaced: ${before} → ${after}`,
    );
  });
});
