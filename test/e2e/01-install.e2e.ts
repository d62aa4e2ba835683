/**
 * A platform team installs the fleet: namespaces, the Secrets the chart expects, a database, then
 * `helm install --wait` of helm/mcp-fleet with every provider, Redis and two gateway replicas.
 * Later files of the suite use the installed fleet (scripts/e2e.sh runs them in order).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateApiKey } from '@mcp-fleet/gateway/api-keys';
import {
  helm,
  kubectl,
  kubectlJson,
  NAMESPACE,
  ROOT,
  saveState,
  TEAM_NAMESPACE,
  until,
  workDir,
} from './cluster.js';
import { authSecret, databaseSecret, identitySecrets, observability, postgres, ticker } from './manifests.js';

interface PodList {
  items: {
    metadata: { name: string; labels?: Record<string, string> };
    spec: {
      securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
      containers: {
        name: string;
        securityContext?: {
          readOnlyRootFilesystem?: boolean;
          allowPrivilegeEscalation?: boolean;
          capabilities?: { drop?: string[] };
        };
      }[];
    };
    status: { phase: string; containerStatuses?: { ready: boolean }[] };
  }[];
}

const apply = (objects: object[]) =>
  kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

describe('helm install of the whole fleet on a real cluster', () => {
  it('installs every provider, Redis and two gateways, all Ready under the chart hardening', async () => {
    for (const ns of [NAMESPACE, TEAM_NAMESPACE, 'e2e-apps', 'observability'])
      await kubectl(['create', 'namespace', ns]);
    const { key, hash } = generateApiKey('agent');
    await apply([
      ...(await identitySecrets(TEAM_NAMESPACE)),
      authSecret(hash),
      databaseSecret(),
      ...postgres(),
      ticker(),
      ...observability(),
    ]);
    // The postgres provider checks its database at start: let the database come up first.
    await kubectl(['rollout', 'status', '-n', NAMESPACE, 'deployment/e2e-postgres', '--timeout=3m']);
    const valuesFile = join(ROOT, 'test/e2e/values.yaml');
    await helm([
      'install',
      'fleet',
      join(ROOT, 'helm/mcp-fleet'),
      '-n',
      NAMESPACE,
      '-f',
      valuesFile,
      '--wait',
      '--timeout',
      '5m',
    ]);

    const pods = await kubectlJson<PodList>([
      'get',
      'pods',
      '-n',
      NAMESPACE,
      '-l',
      'app.kubernetes.io/instance=fleet',
    ]);
    const byComponent = new Map<string, number>();
    for (const pod of pods.items) {
      const component = pod.metadata.labels?.['app.kubernetes.io/component'] ?? '';
      byComponent.set(component, (byComponent.get(component) ?? 0) + 1);
      assert.equal(pod.status.phase, 'Running', pod.metadata.name);
      assert.ok(
        pod.status.containerStatuses?.every((c) => c.ready),
        `${pod.metadata.name} is not ready`,
      );
      if (component === 'redis') continue;
      assert.equal(pod.spec.securityContext?.runAsNonRoot, true, pod.metadata.name);
      assert.equal(pod.spec.securityContext?.seccompProfile?.type, 'RuntimeDefault', pod.metadata.name);
      for (const c of pod.spec.containers) {
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${pod.metadata.name}/${c.name}`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${pod.metadata.name}/${c.name}`);
        assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${pod.metadata.name}/${c.name}`);
      }
    }
    assert.deepEqual(Object.fromEntries([...byComponent].sort()), {
      everything: 1,
      filesystem: 1,
      gateway: 2,
      git: 1,
      kubernetes: 1,
      postgres: 1,
      redis: 1,
    });

    const service = await kubectlJson<{
      spec: { clusterIP: string; ports: { name: string; port: number }[] };
    }>(['get', 'service', '-n', NAMESPACE, 'fleet-mcp-fleet-gateway']);
    const port = service.spec.ports.find((p) => p.name === 'http')?.port;
    assert.ok(port, 'the gateway Service has an http port');
    const mcpUrl = `http://${service.spec.clusterIP}:${port}/mcp`;
    // Through the Service (kube-proxy's rules), from outside the pod network: every provider up.
    const providers = ['everything', 'filesystem', 'git', 'kubernetes', 'postgres'];
    const up = await until('every provider up behind the gateway Service', async () => {
      const res = await fetch(mcpUrl.replace(/\/mcp$/, '/readyz'));
      if (!res.ok) return undefined;
      const ready = (await res.json()) as { providers: { name: string; up: boolean }[] };
      const names = ready.providers
        .filter((p) => p.up)
        .map((p) => p.name)
        .sort();
      return names.join() === providers.join() ? names : undefined;
    });
    assert.deepEqual(up, providers);
    writeFileSync(join(workDir(), 'api-key'), key, { mode: 0o600 });
    saveState({ mcpUrl, apiKey: key, valuesFile });
  });
});
