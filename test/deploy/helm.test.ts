import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { KubeConfig, KubernetesObjectApi, PatchStrategy, VersionApi } from '@kubernetes/client-node';
import { parsePolicy } from '@mcp-fleet/gateway/policy';
import { parseWorkflows } from '@mcp-fleet/gateway/workflows';
import { FLEET_CHART, helm, type Manifest, PROVIDER_CHART, render } from './helm.js';

const SCENARIOS = readdirSync(join(FLEET_CHART, 'ci')).map((file) => join(FLEET_CHART, 'ci', file));
const scenario = (name: string) => {
  const file = SCENARIOS.find((f) => f.endsWith(`/${name}-values.yaml`));
  assert.ok(file, `no ci/${name}-values.yaml`);
  return file;
};
const named = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const component = (m: Manifest) => m.metadata.labels?.['app.kubernetes.io/component'];

type PodSpec = {
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  containers: {
    name: string;
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
    securityContext?: Record<string, unknown>;
    resources?: Record<string, unknown>;
    readinessProbe?: unknown;
    livenessProbe?: unknown;
  }[];
  volumes?: { name: string; secret?: { secretName: string; items?: { key: string }[] } }[];
};
const podOf = (m: Manifest) => (m.spec as { template: { spec: PodSpec } }).template.spec;
const envOf = (m: Manifest, name: string) => podOf(m).containers[0]?.env?.find((e) => e.name === name);

describe('helm chart mcp-fleet', () => {
  it('lints clean with the default values and every scenario, and so does the provider template', () => {
    for (const values of [[], ...SCENARIOS.map((file) => ['--values', file])]) {
      const run = helm('lint', FLEET_CHART, ...values);
      assert.equal(run.status, 0, `helm lint ${values.join(' ')}:\n${run.stdout}${run.stderr}`);
    }
    const run = helm('lint', PROVIDER_CHART);
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });

  it('renders hardened pods in every scenario: non-root, read-only root, no capabilities, probes, resources', () => {
    for (const values of [[], ...SCENARIOS.map((file) => [file])]) {
      const manifests = render(FLEET_CHART, { values });
      assert.deepEqual(named(manifests, 'Secret'), [], 'secrets are referenced, never rendered');
      for (const deployment of named(manifests, 'Deployment')) {
        const pod = podOf(deployment);
        const where = `${deployment.metadata.name} (${values.join(',') || 'defaults'})`;
        assert.equal(pod.securityContext?.runAsNonRoot, true, where);
        assert.deepEqual(pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' }, where);
        for (const container of pod.containers) {
          assert.deepEqual(
            container.securityContext,
            {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
            where,
          );
          assert.ok(container.resources && container.readinessProbe && container.livenessProbe, where);
        }
        // Only workloads that talk to the Kubernetes API get a token.
        const needsToken = ['gateway', 'kubernetes'].includes(String(component(deployment)));
        if (!needsToken) assert.equal(pod.automountServiceAccountToken, false, where);
      }
    }
  });

  it('every provider runs behind a headless Service, reachable only from the gateway, listed for it', () => {
    const manifests = render(FLEET_CHART, { values: [scenario('all-providers')], namespace: 'fleet' });
    const providers = ['everything', 'filesystem', 'git', 'kubernetes', 'postgres'];
    const config = named(manifests, 'ConfigMap').find((m) => component(m) === 'gateway');
    assert.match(
      config?.data?.['providers.yaml'] ?? '',
      /name: postgres\n\s+target: "dns:\/\/\/fleet-mcp-fleet-postgres\.fleet\.svc\.cluster\.local:50052"/,
    );
    for (const name of providers) {
      assert.ok(config?.data?.['providers.yaml']?.includes(`name: ${name}`), name);
      const service = named(manifests, 'Service').find((m) => component(m) === name);
      assert.equal(service?.spec?.clusterIP, 'None', `${name}: headless, so gRPC balances over pods`);
      const policy = named(manifests, 'NetworkPolicy').find((m) => component(m) === name);
      assert.deepEqual(
        (policy?.spec as { ingress: { from: unknown[] }[] }).ingress[0]?.from,
        [
          {
            podSelector: {
              matchLabels: {
                'app.kubernetes.io/name': 'mcp-fleet',
                'app.kubernetes.io/instance': 'fleet',
                'app.kubernetes.io/component': 'gateway',
              },
            },
          },
        ],
        name,
      );
      const deployment = named(manifests, 'Deployment').find((m) => component(m) === name);
      assert.ok(deployment, name);
      const identity = podOf(deployment).volumes?.find((v) => v.name === 'identity');
      assert.deepEqual(
        identity?.secret?.items,
        [{ key: 'jwks.json', path: 'jwks.json' }],
        'never the signing key',
      );
    }
    // What the chart writes for the gateway is what the gateway accepts.
    assert.ok(parsePolicy(config?.data?.['policy.yaml'] ?? '', 'policy.yaml').roles.has('operator'));
    const workflows = parseWorkflows(config?.data?.['workflows.yaml'] ?? '', 'workflows.yaml');
    assert.deepEqual(
      workflows.map((w) => w.name),
      ['report'],
    );
    const gatewayPod = named(manifests, 'Deployment').find((m) => component(m) === 'gateway');
    assert.equal(
      gatewayPod && envOf(gatewayPod, 'MCPFLEET_WORKFLOWS_FILE')?.value,
      '/etc/mcp-fleet/config/workflows.yaml',
    );
    const postgres = named(manifests, 'Deployment').find((m) => component(m) === 'postgres');
    assert.deepEqual(postgres && envOf(postgres, 'DATABASE_URL')?.valueFrom, {
      secretKeyRef: { name: 'fleet-database', key: 'database-url' },
    });
  });

  it("the Kubernetes provider's Role grants what its switches allow, and no Secrets by default", () => {
    // The release namespace (default) holds the fleet: read there, whatever the switches; apps is the callers'.
    const roles = (set: string[]) =>
      named(
        render(FLEET_CHART, {
          set: [
            'providers.kubernetes.enabled=true',
            'providers.kubernetes.namespaces={default,apps}',
            ...set,
          ],
        }),
        'Role',
      ).filter((m) => component(m) === 'kubernetes');
    const rules = (set: string[]) => roles(set).flatMap((m) => m.rules ?? []);
    const everything = ['write=true', 'exec=true', 'writeKinds={secrets}'].map(
      (s) => `providers.kubernetes.${s}`,
    );
    const fleetRole = roles(everything).filter((m) => m.metadata.namespace === 'default');
    assert.equal(fleetRole.length, 1);
    assert.ok(
      fleetRole
        .flatMap((m) => m.rules ?? [])
        .every((r) => r.verbs.every((v) => ['get', 'list', 'watch'].includes(v))),
      "the fleet's own namespace: no write verbs, no exec, however the provider is switched",
    );
    const fleetEnv = named(
      render(FLEET_CHART, {
        set: ['providers.kubernetes.enabled=true', 'gateway.discovery.namespaces={team-a}'],
      }),
      'Deployment',
    ).find((m) => component(m) === 'kubernetes');
    assert.equal(fleetEnv && envOf(fleetEnv, 'MCPFLEET_K8S_FLEET_NAMESPACES')?.value, 'default,team-a');
    const readOnly = rules([]);
    assert.ok(readOnly.every((r) => !r.resources.includes('secrets')));
    assert.ok(readOnly.every((r) => r.verbs.every((v) => ['get', 'list', 'watch'].includes(v))));
    assert.ok(
      readOnly.every((r) => !r.resources.includes('pods/exec')),
      'no exec unless opted in',
    );
    assert.ok(rules(['providers.kubernetes.exec=true']).some((r) => r.resources.includes('pods/exec')));
    const workloadSecrets = (set: string[]) => {
      const provider = named(
        render(FLEET_CHART, { set: ['providers.kubernetes.enabled=true', ...set] }),
        'Deployment',
      ).find((m) => component(m) === 'kubernetes');
      return provider && envOf(provider, 'MCPFLEET_K8S_WORKLOAD_SECRETS')?.value;
    };
    assert.equal(workloadSecrets([]), 'false', 'workloads written by callers read no Secrets by default');
    assert.equal(workloadSecrets(['providers.kubernetes.workloadSecrets=true']), 'true');
    const extraKinds = [
      'providers.kubernetes.write=true',
      'providers.kubernetes.writeKinds={secrets,roles.rbac.authorization.k8s.io}',
    ];
    const opted = rules(extraKinds);
    assert.ok(opted.some((r) => r.resources.includes('secrets') && r.verbs.includes('patch')));
    assert.ok(
      opted.some(
        (r) =>
          r.apiGroups.includes('rbac.authorization.k8s.io') &&
          r.resources.includes('roles') &&
          r.verbs.includes('create'),
      ),
    );
    assert.ok(
      rules(['providers.kubernetes.writeKinds={secrets}']).every((r) =>
        r.verbs.every((v) => ['get', 'list', 'watch'].includes(v)),
      ),
      'extra kinds get write verbs only when writes are on',
    );
    const writer = rules(['providers.kubernetes.write=true', 'providers.kubernetes.secrets=masked']);
    assert.ok(writer.some((r) => r.resources.includes('secrets')));
    assert.ok(writer.some((r) => r.resources.includes('deployments') && r.verbs.includes('patch')));
    const clusterRole = (set: string[]) =>
      named(render(FLEET_CHART, { set: ['providers.kubernetes.enabled=true', ...set] }), 'ClusterRole')
        .filter((m) => component(m) === 'kubernetes')
        .flatMap((m) => m.rules ?? []);
    assert.deepEqual(clusterRole([]), [
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['default'], verbs: ['get'] },
    ]);
    assert.ok(
      clusterRole(['providers.kubernetes.clusterScoped=read']).some((r) => r.resources.includes('nodes')),
    );
  });

  it('scenarios: HA autoscales with a budget and Redis; external Redis and Ingress; gateway only with discovery', () => {
    const ha = render(FLEET_CHART, { values: [scenario('ha')] });
    const gateway = named(ha, 'Deployment').find((m) => component(m) === 'gateway');
    assert.ok(gateway && !('replicas' in (gateway.spec ?? {})), 'the HPA owns the replica count');
    assert.equal(named(ha, 'HorizontalPodAutoscaler').length, 1);
    assert.equal(named(ha, 'PodDisruptionBudget')[0]?.spec?.minAvailable, 2);
    assert.equal(envOf(gateway, 'REDIS_URL')?.value, 'redis://fleet-mcp-fleet-redis:6379');
    assert.ok(named(ha, 'NetworkPolicy').some((m) => component(m) === 'redis'));
    assert.deepEqual(
      named(ha, 'Role')
        .filter((m) => component(m) === 'kubernetes')
        .map((m) => m.metadata.namespace),
      ['apps', 'staging'],
    );

    const external = render(FLEET_CHART, { values: [scenario('external-redis')] });
    const gw = named(external, 'Deployment').find((m) => component(m) === 'gateway');
    assert.deepEqual(gw && envOf(gw, 'REDIS_URL')?.valueFrom, {
      secretKeyRef: { name: 'fleet-redis', key: 'redis-url' },
    });
    assert.equal(named(external, 'Ingress')[0]?.spec?.ingressClassName, 'nginx');

    const alone = render(FLEET_CHART, { values: [scenario('gateway-only')] });
    assert.deepEqual(named(alone, 'Deployment').map(component), ['gateway']);
    assert.deepEqual(
      named(alone, 'Role').map((m) => m.metadata.namespace),
      ['team-a', 'team-b'],
    );
    const single = render(FLEET_CHART);
    assert.equal(
      named(single, 'PodDisruptionBudget').length,
      0,
      'no budget that would block drains of one pod',
    );
  });

  it('each provider is merged over providerDefaults; the gateway waits readyTimeout for catalogs', () => {
    const deployments = (set: string[]) =>
      named(render(FLEET_CHART, { values: [scenario('all-providers')], set }), 'Deployment');
    const byName = (manifests: Manifest[], name: string) => {
      const found = manifests.find((m) => component(m) === name);
      assert.ok(found, name);
      return found;
    };
    const defaults = deployments([]);
    assert.deepEqual(podOf(byName(defaults, 'everything')).containers[0]?.resources, {
      requests: { cpu: '50m', memory: '96Mi' },
      limits: { memory: '256Mi' },
    });
    assert.deepEqual(podOf(byName(defaults, 'filesystem')).containers[0]?.resources, {
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { memory: '768Mi' },
    });
    assert.equal(envOf(byName(defaults, 'gateway'), 'MCPFLEET_READY_TIMEOUT')?.value, '30s');

    const set = deployments([
      'providerDefaults.replicas=3',
      'providers.git.replicas=0',
      'providerDefaults.env.SHARED=yes',
      'providers.git.env.SHARED=git',
      'providerDefaults.nodeSelector.pool=providers',
      'gateway.readyTimeout=0s',
    ]);
    assert.equal(byName(set, 'postgres').spec?.replicas, 3);
    assert.equal(byName(set, 'git').spec?.replicas, 0, 'a provider may scale to zero below the default');
    assert.equal(envOf(byName(set, 'postgres'), 'SHARED')?.value, 'yes');
    assert.equal(envOf(byName(set, 'git'), 'SHARED')?.value, 'git');
    assert.deepEqual((podOf(byName(set, 'kubernetes')) as { nodeSelector?: unknown }).nodeSelector, {
      pool: 'providers',
    });
    assert.equal(envOf(byName(set, 'gateway'), 'MCPFLEET_READY_TIMEOUT')?.value, '0s');
  });

  it('a typo or a bad value fails the install with a message that names it', () => {
    const fails = (set: string, message: RegExp) => {
      const run = helm('template', 'fleet', FLEET_CHART, '--kube-version', '1.34.1', '--set', set);
      assert.notEqual(run.status, 0, set);
      assert.match(run.stderr, message, set);
    };
    fails('gateway.replicaz=3', /at '\/gateway': additional properties 'replicaz' not allowed/);
    fails('providers.git.replicaz=3', /at '\/providers\/git\/replicaz'/);
    fails('providerDefaults.replicaz=3', /at '\/providerDefaults\/replicaz'/);
    fails('providerDefaults.replicas=-1', /at '\/providerDefaults\/replicas': minimum/);
    fails('gateway.readyTimeout=soon', /at '\/gateway\/readyTimeout'/);
    fails('providers.kubernetes.secrets=shown', /value must be one of 'deny', 'masked'/);
    fails('providers.git.remoteAllow={file:///srv}', /remoteAllow\/0/);
    fails('gateway.replicas=3', /more than one replica needs Redis/);
    fails('providers.postgres.enabled=true', /providers\.postgres\.database\.existingSecret/);
    fails(
      'providers.kubernetes.enabled=true,providers.kubernetes.write=true',
      /providers\.kubernetes\.namespaces beyond the fleet's own \(default: the release namespace/,
    );
  });
});

describe('helm charts applied with server-side dry-run to a real kube-apiserver', () => {
  let objects: KubernetesObjectApi;
  let kubeVersion: string;
  const run = Math.random().toString(36).slice(2, 8);

  before(async () => {
    const file = process.env.KUBECONFIG;
    assert.ok(file, 'KUBECONFIG must point at the test API server (scripts/kube-env.sh up)');
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    objects = KubernetesObjectApi.makeApiClient(kc);
    const version = await kc.makeApiClient(VersionApi).getCode();
    kubeVersion = version.gitVersion.replace(/^v/, '');
    // Namespaces the scenarios name, as an installer's cluster would have them.
    for (const name of ['team-a', 'team-b', 'apps', 'staging', `helm-${run}`])
      await objects
        .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
        .catch((err: { code?: number }) => assert.equal(err.code, 409));
  });

  const dryRun = async (manifests: Manifest[], namespace: string) => {
    for (const manifest of manifests) {
      const clusterScoped = ['ClusterRole', 'ClusterRoleBinding'].includes(manifest.kind);
      const object = {
        ...manifest,
        metadata: {
          ...manifest.metadata,
          ...(clusterScoped ? {} : { namespace: manifest.metadata.namespace ?? namespace }),
        },
      };
      // Server-side apply, dry run: the API server validates and admits the object, stores nothing.
      await objects
        .patch(object, undefined, 'All', 'mcp-fleet-chart-test', true, PatchStrategy.ServerSideApply)
        .catch((err: Error) => {
          throw new Error(`${manifest.kind} ${manifest.metadata.name}: ${err.message}`);
        });
    }
  };

  it('every scenario of mcp-fleet, and the provider template, are accepted by the API server', async () => {
    const namespace = `helm-${run}`;
    for (const values of [[], ...SCENARIOS.map((file) => [file])]) {
      const manifests = render(FLEET_CHART, { values, namespace, kubeVersion });
      assert.ok(manifests.length > 5);
      await dryRun(manifests, namespace);
    }
    await dryRun(render(PROVIDER_CHART, { namespace, kubeVersion }), namespace);
  });
});
