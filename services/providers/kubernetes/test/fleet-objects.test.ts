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
 * its providers run in (its policy ConfigMap, a provider's Service, their pods), Services that
 * announce a provider to the gateway's discovery, and Services that expose pods outside the
 * cluster or capture other addresses (externalIPs, CVE-2020-8554).
 */
describe('kubernetes attacks: the fleet rewired through its own Kubernetes provider', () => {
  let kc: KubeConfig;
  let admin: ReturnType<typeof adminOf>;
  let F: string;
  let A: string;
  let writer: TestProvider;
  let namespaceWriter: TestProvider;
  const status = async (path: string) => (await admin('GET', path)).status;
  const body = async (path: string) => (await admin('GET', path)).body as Stored;
  const fleetRefusal = /read-only through this provider: it holds the fleet/;

  before(async () => {
    kc = testKubeConfig();
    admin = adminOf(kc);
    [F = '', A = ''] = (await runNamespaces(admin, 'fleet', 'apps')).names;
    const pod = {
      metadata: { name: 'gateway-0' },
      spec: { containers: [{ name: 'main', image: 'gateway' }] },
    };
    const deployment = {
      metadata: { name: 'gateway' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'gateway' } },
        template: { metadata: { labels: { app: 'gateway' } }, spec: pod.spec },
      },
    };
    for (const [path, object] of [
      // No controller manager here: a pod needs its ServiceAccount made by hand.
      [`/api/v1/namespaces/${F}/serviceaccounts`, { metadata: { name: 'default' } }],
      [
        `/api/v1/namespaces/${F}/configmaps`,
        { metadata: { name: 'policy' }, data: { 'policy.yaml': 'default: deny' } },
      ],
      [
        `/api/v1/namespaces/${F}/services`,
        service('postgres', clusterIp, { labels: { [PROVIDER_LABEL]: 'true' } }),
      ],
      [`/api/v1/namespaces/${F}/pods`, pod],
      [`/apis/apps/v1/namespaces/${F}/deployments`, deployment],
      [
        `/api/v1/namespaces/${A}/services`,
        service('team-tools', clusterIp, { labels: { [PROVIDER_LABEL]: 'true' } }),
      ],
      [`/api/v1/namespaces/${A}/services`, service('web', clusterIp)],
    ] as const) {
      const r = await admin('POST', path, object);
      assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
    }
    const options = { namespaces: [F, A], write: true, exec: true, fleetNamespaces: [F] };
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
    const gateway = await body(`/apis/apps/v1/namespaces/${F}/deployments/gateway`);
    assert.equal(gateway.spec.replicas, 2);
    assert.equal(gateway.spec.template.spec.containers[0]?.image, 'gateway');
  });

  it('a Service announcing a provider to discovery cannot be made, marked or changed elsewhere either', async () => {
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
    // A team's provider Service: its pods are what the gateway calls, its labels what it finds.
    const hijack = { spec: { selector: { app: 'attacker' } } };
    await refusedOn(
      writer,
      'patch',
      { kind: 'Service', namespace: A, name: 'team-tools', patch: hijack },
      /announces a provider/,
    );
    await refusedOn(
      writer,
      'delete',
      { kind: 'Service', namespace: A, name: 'team-tools' },
      /announces a provider/,
    );
    assert.equal(await status(`/api/v1/namespaces/${A}/services/team-tools`), 200);
    assert.deepEqual((await body(`/api/v1/namespaces/${A}/services/team-tools`)).spec.selector, {
      app: 'web',
    });
    assert.equal((await body(`/api/v1/namespaces/${A}/services/web`)).metadata.labels, undefined);
  });

  it('Services only inside the cluster: externalIPs, node ports, load balancers and external names are refused', async () => {
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
  });

  it('what a Service inside the cluster needs is written: a ClusterIP and a headless Service, their ports changed', async () => {
    const headless = service('db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] });
    const manifest = [service('api', clusterIp), headless].map((o) => stringify(o)).join('---\n');
    await okOn(writer, 'apply', { manifest, namespace: A });
    const ports = {
      spec: { ports: [{ name: 'http', port: 8080, targetPort: 8080 }], sessionAffinity: 'ClientIP' },
    };
    await okOn(writer, 'patch', { kind: 'Service', namespace: A, name: 'api', patch: ports });
    const api = await body(`/api/v1/namespaces/${A}/services/api`);
    assert.equal(api.spec.ports[0]?.port, 8080);
    assert.equal((await body(`/api/v1/namespaces/${A}/services/db`)).spec.clusterIP, 'None');
  });
});
