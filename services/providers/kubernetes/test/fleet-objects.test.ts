import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import type { TestProvider } from '@mcp-fleet/sdk/testing';
import { stringify } from 'yaml';
import {
  adminOf,
  okOn,
  refusedOn,
  runNamespaces,
  startKubernetesProvider,
  testKubeConfig,
} from './cluster.js';

const PROVIDER_LABEL = 'mcp-fleet.io/provider';
const service = (name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...metadata },
  spec,
});
/** The fields of stored objects the checks read. */
type Stored = {
  metadata: { labels?: Record<string, string> };
  data: Record<string, string>;
  spec: {
    selector?: Record<string, string>;
    type?: string;
    clusterIP?: string;
    replicas?: number;
    ports: { port: number }[];
    template: { spec: { containers: { image: string }[] } };
  };
};
const clusterIp = { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] };

/**
 * A caller with the write tools turning them on the fleet itself: the namespace the gateway and
 * its providers run in (its policy ConfigMap, a provider's Service, their pods), a namespace where
 * a discovered provider runs, labels that announce a provider to the gateway's discovery, and
 * Services or Ingresses that expose pods outside the cluster or capture other addresses
 * (externalIPs, CVE-2020-8554).
 */
describe('kubernetes attacks: the fleet rewired through its own Kubernetes provider', () => {
  let kc: KubeConfig;
  let admin: ReturnType<typeof adminOf>;
  /** The fleet's namespace, as the operator lists it. */
  let F: string;
  /** A team's namespace where a provider the gateway discovers runs: not listed, found. */
  let T: string;
  /** The callers' namespace. */
  let A: string;
  let writer: TestProvider;
  let namespaceWriter: TestProvider;
  const status = async (path: string) => (await admin('GET', path)).status;
  const body = async (path: string) => (await admin('GET', path)).body as Stored;
  const fleetRefusal = /read-only through this provider: it holds the fleet/;
  const providerRefusal =
    /read-only through this provider: it holds the fleet \(Service team-tools announces a provider/;
  const gateway = (name: string, replicas: number) => ({
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: name }] },
      },
    },
  });

  before(async () => {
    kc = testKubeConfig();
    admin = adminOf(kc);
    [F = '', T = '', A = ''] = (await runNamespaces(admin, 'fleet', 'team', 'apps')).names;
    const announced = { labels: { [PROVIDER_LABEL]: 'true' } };
    const teamSelector = { ...clusterIp, selector: { app: 'team-tools' } };
    for (const [path, object] of [
      // No controller manager here: a pod needs its ServiceAccount made by hand.
      [`/api/v1/namespaces/${F}/serviceaccounts`, { metadata: { name: 'default' } }],
      [
        `/api/v1/namespaces/${F}/configmaps`,
        { metadata: { name: 'policy' }, data: { 'policy.yaml': 'default: deny' } },
      ],
      [`/api/v1/namespaces/${F}/services`, service('postgres', clusterIp, announced)],
      [
        `/api/v1/namespaces/${F}/pods`,
        { metadata: { name: 'gateway-0' }, spec: { containers: [{ name: 'main', image: 'gateway' }] } },
      ],
      [`/apis/apps/v1/namespaces/${F}/deployments`, gateway('gateway', 2)],
      [`/api/v1/namespaces/${T}/services`, service('team-tools', teamSelector, announced)],
      [`/apis/apps/v1/namespaces/${T}/deployments`, gateway('team-tools', 2)],
      [`/api/v1/namespaces/${A}/services`, service('web', clusterIp)],
    ] as const) {
      const r = await admin('POST', path, object);
      assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
    }
    const options = { namespaces: [F, T, A], write: true, exec: true, fleetNamespaces: [F] };
    writer = await startKubernetesProvider(kc, options);
    namespaceWriter = await startKubernetesProvider(kc, {
      ...options,
      clusterScoped: 'write',
      writeKinds: ['namespaces'],
    });
  });
  after(async () => {
    await writer?.close();
    await namespaceWriter?.close();
  });

  it("the fleet's namespace is read, never written: policy ConfigMap, a provider's Service, the gateway's Deployment and pods", async () => {
    await okOn(writer, 'get', { kind: 'ConfigMap', namespace: F, name: 'policy' });
    const policy = stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'policy' },
      data: { 'policy.yaml': 'default: allow' },
    });
    for (const dryRun of [true, false])
      await refusedOn(writer, 'apply', { manifest: policy, namespace: F, dryRun }, fleetRefusal);
    const selector = { spec: { selector: { app: 'attacker' } } };
    await refusedOn(
      writer,
      'patch',
      { kind: 'Service', namespace: F, name: 'postgres', patch: selector },
      fleetRefusal,
    );
    await refusedOn(writer, 'delete', { kind: 'Service', namespace: F, name: 'postgres' }, fleetRefusal);
    await refusedOn(writer, 'scale', { namespace: F, name: 'gateway', replicas: 0 }, fleetRefusal);
    const image = { spec: { template: { spec: { containers: [{ name: 'main', image: 'attacker' }] } } } };
    await refusedOn(
      writer,
      'patch',
      { kind: 'Deployment', namespace: F, name: 'gateway', patch: image },
      fleetRefusal,
    );
    await refusedOn(
      writer,
      'rollout',
      { action: 'restart', kind: 'Deployment', namespace: F, name: 'gateway' },
      fleetRefusal,
    );
    await refusedOn(
      writer,
      'exec',
      { namespace: F, pod: 'gateway-0', command: ['cat', '/etc/keys/jwks'] },
      fleetRefusal,
    );
    await refusedOn(
      namespaceWriter,
      'patch',
      {
        kind: 'Namespace',
        name: F,
        patch: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
      },
      fleetRefusal,
    );
    assert.equal(
      (await body(`/api/v1/namespaces/${F}/configmaps/policy`)).data['policy.yaml'],
      'default: deny',
    );
    assert.deepEqual((await body(`/api/v1/namespaces/${F}/services/postgres`)).spec.selector, { app: 'web' });
    const deployment = await body(`/apis/apps/v1/namespaces/${F}/deployments/gateway`);
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(deployment.spec.template.spec.containers[0]?.image, 'gateway');
  });

  it("a namespace where a provider the gateway discovers runs is the fleet's too: no imposter pod, scale, change or exec", async () => {
    const imposter = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'imposter', labels: { app: 'team-tools' } },
      spec: { containers: [{ name: 'main', image: 'attacker' }] },
    };
    await refusedOn(writer, 'apply', { manifest: stringify(imposter), namespace: T }, providerRefusal);
    await refusedOn(writer, 'scale', { namespace: T, name: 'team-tools', replicas: 0 }, providerRefusal);
    const hijack = { spec: { selector: { app: 'attacker' } } };
    await refusedOn(
      writer,
      'patch',
      { kind: 'Service', namespace: T, name: 'team-tools', patch: hijack },
      providerRefusal,
    );
    await refusedOn(writer, 'delete', { kind: 'Service', namespace: T, name: 'team-tools' }, providerRefusal);
    await refusedOn(writer, 'exec', { namespace: T, pod: 'team-tools-0', command: ['sh'] }, providerRefusal);
    await okOn(writer, 'get', { kind: 'Service', namespace: T, name: 'team-tools' });
    assert.equal(await status(`/api/v1/namespaces/${T}/pods/imposter`), 404);
    assert.deepEqual((await body(`/api/v1/namespaces/${T}/services/team-tools`)).spec.selector, {
      app: 'team-tools',
    });
    assert.equal((await body(`/apis/apps/v1/namespaces/${T}/deployments/team-tools`)).spec.replicas, 2);
  });

  it("mcp-fleet.io/ labels and annotations are never written, a pod template's included", async () => {
    const rogue = service('rogue', clusterIp, {
      labels: { [PROVIDER_LABEL]: 'true' },
      annotations: { 'mcp-fleet.io/prefix': 'postgres' },
    });
    await refusedOn(writer, 'apply', { manifest: stringify(rogue), namespace: A }, /mcp-fleet\.io\/provider/);
    assert.equal(await status(`/api/v1/namespaces/${A}/services/rogue`), 404);
    const mark = { metadata: { labels: { [PROVIDER_LABEL]: 'true' } } };
    await refusedOn(
      writer,
      'patch',
      { kind: 'Service', namespace: A, name: 'web', patch: mark },
      /mcp-fleet\.io\/provider/,
    );
    const port = { metadata: { annotations: { 'mcp-fleet.io/port': '9999' } } };
    await refusedOn(
      writer,
      'patch',
      { kind: 'Service', namespace: A, name: 'web', patch: port },
      /mcp-fleet\.io\/port/,
    );
    const marked = { apiVersion: 'apps/v1', kind: 'Deployment', ...gateway('marked', 1) };
    marked.spec.template.metadata.labels = { app: 'marked', [PROVIDER_LABEL]: 'true' } as { app: string };
    await refusedOn(
      writer,
      'apply',
      { manifest: stringify(marked), namespace: A },
      /spec\.template\.metadata\.labels\["mcp-fleet\.io\/provider"\]/,
    );
    assert.equal((await body(`/api/v1/namespaces/${A}/services/web`)).metadata.labels, undefined);
    assert.equal(await status(`/apis/apps/v1/namespaces/${A}/deployments/marked`), 404);
  });

  it('Services only inside the cluster: externalIPs, node ports, load balancers, external names and Ingresses are refused', async () => {
    const exposures: [string, Record<string, unknown>][] = [
      ['externalIPs', { ...clusterIp, externalIPs: ['10.96.0.10'] }],
      ['NodePort', { ...clusterIp, type: 'NodePort' }],
      ['LoadBalancer', { ...clusterIp, type: 'LoadBalancer', loadBalancerSourceRanges: ['0.0.0.0/0'] }],
      ['ExternalName', { type: 'ExternalName', externalName: 'attacker.example' }],
    ];
    for (const [name, spec] of exposures) {
      const manifest = stringify(service(name.toLowerCase(), spec));
      await refusedOn(writer, 'apply', { manifest, namespace: A }, /spec\.(type|externalIPs|externalName)/);
      assert.equal(await status(`/api/v1/namespaces/${A}/services/${name.toLowerCase()}`), 404, name);
    }
    const add = { spec: { externalIPs: ['10.96.0.10'] } };
    await refusedOn(
      writer,
      'patch',
      { kind: 'Service', namespace: A, name: 'web', patch: add },
      /spec\.externalIPs/,
    );
    await refusedOn(
      writer,
      'patch',
      { kind: 'Service', namespace: A, name: 'web', patch: { spec: { type: 'NodePort' } } },
      /spec\.type/,
    );
    assert.equal((await body(`/api/v1/namespaces/${A}/services/web`)).spec.type, 'ClusterIP');
    const ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'takeover' },
      spec: {
        rules: [
          {
            host: 'gateway.example.com',
            http: {
              paths: [
                {
                  path: '/mcp',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    };
    await refusedOn(
      writer,
      'apply',
      { manifest: stringify(ingress), namespace: A },
      /Ingress \(ingresses\.networking\.k8s\.io\) is not writable/,
    );
    assert.equal(await status(`/apis/networking.k8s.io/v1/namespaces/${A}/ingresses/takeover`), 404);
  });

  it('what a Service inside the cluster needs is written: a ClusterIP and a headless Service, their ports changed', async () => {
    const headless = service('db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] });
    const manifest = [service('api', clusterIp), headless].map((o) => stringify(o)).join('---\n');
    await okOn(writer, 'apply', { manifest, namespace: A });
    const ports = {
      spec: { ports: [{ name: 'http', port: 8080, targetPort: 8080 }], sessionAffinity: 'ClientIP' },
    };
    await okOn(writer, 'patch', { kind: 'Service', namespace: A, name: 'api', patch: ports });
    assert.equal((await body(`/api/v1/namespaces/${A}/services/api`)).spec.ports[0]?.port, 8080);
    assert.equal((await body(`/api/v1/namespaces/${A}/services/db`)).spec.clusterIP, 'None');
  });
});
