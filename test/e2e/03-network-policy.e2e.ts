/**
 * The chart's NetworkPolicies, enforced (kube-router): a pod that is not the gateway cannot open a
 * connection to a provider; the gateway's own pod can, to the same address.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubectl, kubectlJson, NAMESPACE, until } from './cluster.js';

/** Prints `connected`, or why not, and exits: run by node inside a pod. */
const probe = (ip: string, port: number) =>
  `const s = require('net').connect(${port}, '${ip}'); s.setTimeout(3000);` +
  `s.on('connect', () => { console.log('connected'); process.exit(0); });` +
  `s.on('timeout', () => { console.log('timeout'); process.exit(0); });` +
  `s.on('error', (e) => { console.log(e.code); process.exit(0); });`;

interface Pod {
  metadata: { name: string };
  status: { phase: string; podIP?: string };
}

const podOf = async (component: string) =>
  (
    await kubectlJson<{ items: Pod[] }>([
      'get',
      'pods',
      '-n',
      NAMESPACE,
      '-l',
      `app.kubernetes.io/component=${component}`,
    ])
  ).items[0];

describe('NetworkPolicy: only the gateway reaches a provider', () => {
  it('refuses a pod outside the gateway and lets the gateway through', async () => {
    const provider = await podOf('everything');
    assert.ok(provider?.status.podIP, 'the everything provider has a pod IP');
    const script = probe(provider.status.podIP, 50051);

    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'intruder',
          namespace: NAMESPACE,
          labels: { 'app.kubernetes.io/name': 'intruder' },
        },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'probe',
              image: 'mcp-fleet.local/gateway:0.1.0',
              imagePullPolicy: 'Never',
              command: ['node', '-e', script],
            },
          ],
        },
      }),
    );
    await until('the intruder probe to finish', async () => {
      const pod = await kubectlJson<Pod>(['get', 'pod', '-n', NAMESPACE, 'intruder']);
      return pod.status.phase === 'Succeeded' ? pod : undefined;
    });
    const outside = (await kubectl(['logs', '-n', NAMESPACE, 'intruder'])).trim();
    assert.notEqual(outside, 'connected', 'a pod that is not the gateway reached the provider');
    assert.ok(['timeout', 'ECONNREFUSED', 'EHOSTUNREACH'].includes(outside), outside);
    await kubectl(['delete', 'pod', '-n', NAMESPACE, 'intruder', '--wait=false']);

    const gateway = await podOf('gateway');
    assert.ok(gateway);
    const inside = (
      await kubectl(['exec', '-n', NAMESPACE, gateway.metadata.name, '--', 'node', '-e', script])
    ).trim();
    assert.equal(inside, 'connected');
  });
});
