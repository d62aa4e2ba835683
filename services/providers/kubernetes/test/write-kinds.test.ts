import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import type { TestProvider } from '@mcp-fleet/sdk/testing';
import { stringify } from 'yaml';
import {
  adminOf,
  anonymousGet,
  okOn,
  refusedOn,
  runNamespaces,
  startKubernetesProvider,
  testKubeConfig,
} from './cluster.js';

const RBAC = 'rbac.authorization.k8s.io';
const role = (name: string, resources: string[], verbs: string[]) => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'Role',
  metadata: { name },
  rules: [{ apiGroups: [''], resources, verbs }],
});
const binding = (name: string, subjects: unknown[]) => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: 'Role', name },
  subjects,
});
const GROUPS = ['system:unauthenticated', 'system:authenticated'].map((name) => ({
  kind: 'Group',
  name,
  apiGroup: RBAC,
}));
const manifestOf = (...objects: unknown[]) => objects.map((o) => stringify(o)).join('---\n');

describe('kubernetes attacks: writing kinds outside the write allow-list (RBAC, credentials, admission)', () => {
  let kc: KubeConfig;
  let admin: ReturnType<typeof adminOf>;
  let A: string;
  let masker: TestProvider;
  let clusterWriter: TestProvider;
  let optedIn: TestProvider;
  const providers: TestProvider[] = [];
  const start = async (options: Parameters<typeof startKubernetesProvider>[1]) => {
    const provider = await startKubernetesProvider(kc, options);
    providers.push(provider);
    return provider;
  };
  const status = async (path: string) => (await admin('GET', path)).status;
  const rbac = (resource: string, name: string) => `/apis/${RBAC}/v1/namespaces/${A}/${resource}/${name}`;

  /** The Secret as someone without credentials sees it: the status and body the API server answers. */
  const anonymousSecret = () =>
    anonymousGet(kc.getCurrentCluster()?.server ?? '', `/api/v1/namespaces/${A}/secrets/db`);

  before(async () => {
    kc = testKubeConfig();
    admin = adminOf(kc);
    [A = ''] = (await runNamespaces(admin, 'kinds')).names;
    for (const [path, body] of [
      [`/api/v1/namespaces/${A}/serviceaccounts`, { metadata: { name: 'default' } }],
      [`/api/v1/namespaces/${A}/secrets`, { metadata: { name: 'db' }, stringData: { password: 'hunter2' } }],
      [`/apis/${RBAC}/v1/namespaces/${A}/roles`, role('ops', ['configmaps'], ['get'])],
      [`/apis/${RBAC}/v1/namespaces/${A}/rolebindings`, binding('ops', [])],
    ] as const) {
      const r = await admin('POST', path, body);
      assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
    }
    // As in the finding: writes on, Secrets masked (so the provider's own credentials read them).
    masker = await start({ namespaces: [A], write: true, deniedKinds: [] });
    clusterWriter = await start({ namespaces: [A], write: true, deniedKinds: [], clusterScoped: 'write' });
    optedIn = await start({
      namespaces: [A],
      write: true,
      deniedKinds: [],
      writeKinds: ['configmaps', `roles.${RBAC}`],
    });
  });
  after(async () => {
    for (const provider of providers) await provider.close();
  });

  it('a Role reading Secrets bound to system:unauthenticated / system:authenticated is refused: the Secret stays private', async () => {
    const manifest = manifestOf(role('open', ['secrets'], ['get']), binding('open', GROUPS));
    for (const dryRun of [true, false])
      await refusedOn(
        masker,
        'apply',
        { manifest, namespace: A, dryRun },
        new RegExp(`Role \\(roles\\.${RBAC.replaceAll('.', '\\.')}\\) is not writable`),
      );
    assert.equal(await status(rbac('roles', 'open')), 404);
    assert.equal(await status(rbac('rolebindings', 'open')), 404);
    assert.doesNotMatch(await anonymousSecret(), /hunter2|aHVudGVyMg/);
  });

  it("a Role reading Secrets bound to the namespace's default ServiceAccount, with a pod using it, is refused whole", async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'leak' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'curlimages/curl' }] },
    };
    const manifest = manifestOf(
      role('reader', ['secrets'], ['get', 'list']),
      binding('reader', [{ kind: 'ServiceAccount', name: 'default', namespace: A }]),
      pod,
    );
    await refusedOn(masker, 'apply', { manifest, namespace: A }, /Role .* is not writable/);
    assert.equal(await status(rbac('rolebindings', 'reader')), 404);
    assert.equal(await status(`/api/v1/namespaces/${A}/pods/leak`), 404, 'nothing of the manifest applied');
  });

  it('granting pods/exec through a Role (around the exec opt-in) is refused, by apply, patch or delete', async () => {
    const manifest = manifestOf(role('shell', ['pods/exec'], ['create']), binding('shell', GROUPS));
    await refusedOn(masker, 'apply', { manifest, namespace: A }, /Role .* is not writable/);
    await refusedOn(
      masker,
      'patch',
      { kind: 'RoleBinding', namespace: A, name: 'ops', patch: { subjects: GROUPS } },
      /RoleBinding \(rolebindings\.rbac\.authorization\.k8s\.io\) is not writable/,
    );
    await refusedOn(
      masker,
      'patch',
      {
        kind: 'roles.rbac.authorization.k8s.io',
        namespace: A,
        name: 'ops',
        patch: role('ops', ['pods/exec'], ['create']),
      },
      /Role .* is not writable/,
    );
    await refusedOn(masker, 'delete', { kind: 'rolebinding', namespace: A, name: 'ops' }, /not writable/);
    const ops = await admin('GET', rbac('rolebindings', 'ops'));
    assert.equal((ops.body as { subjects?: unknown }).subjects, undefined);
  });

  it('ServiceAccounts, token Secrets, Secrets, NetworkPolicies and ControllerRevisions are refused by default, naming the kind', async () => {
    const objects: [unknown, RegExp][] = [
      [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } },
        /ServiceAccount \(serviceaccounts\)/,
      ],
      [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'token', annotations: { 'kubernetes.io/service-account.name': 'default' } },
          type: 'kubernetes.io/service-account-token',
        },
        /Secret \(secrets\)/,
      ],
      [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'deny-all' },
          spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
        },
        /NetworkPolicy \(networkpolicies\.networking\.k8s\.io\)/,
      ],
      [
        {
          apiVersion: 'apps/v1',
          kind: 'ControllerRevision',
          metadata: { name: 'forged' },
          revision: 9,
          data: {},
        },
        /ControllerRevision \(controllerrevisions\.apps\)/,
      ],
    ];
    for (const [object, reason] of objects) {
      const r = await refusedOn(masker, 'apply', { manifest: stringify(object), namespace: A }, reason);
      assert.match(r.content[0]?.text ?? '', /MCPFLEET_K8S_WRITE_KINDS/);
    }
    assert.equal(await status(`/api/v1/namespaces/${A}/serviceaccounts/robot`), 404);
    assert.equal(await status(`/api/v1/namespaces/${A}/secrets/token`), 404);
  });

  it('Pod Security labels on a Namespace (cluster-scoped writes on) are refused: Namespaces are not writable by default', async () => {
    const loosen = { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } };
    await refusedOn(
      clusterWriter,
      'patch',
      { kind: 'Namespace', name: A, patch: loosen },
      /Namespace \(namespaces\) is not writable/,
    );
    await refusedOn(
      clusterWriter,
      'apply',
      {
        manifest: stringify({
          apiVersion: `${RBAC}/v1`,
          kind: 'ClusterRoleBinding',
          metadata: { name: 'x' },
        }),
      },
      /ClusterRoleBinding \(clusterrolebindings\.rbac\.authorization\.k8s\.io\) is not writable/,
    );
    const ns = await admin('GET', `/api/v1/namespaces/${A}`);
    assert.equal(
      (ns.body.metadata as { labels?: Record<string, string> }).labels?.[
        'pod-security.kubernetes.io/enforce'
      ],
      undefined,
    );
  });

  it('the operator opt-in (MCPFLEET_K8S_WRITE_KINDS) makes exactly the listed kinds writable', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } };
    await okOn(optedIn, 'apply', {
      manifest: manifestOf(role('listed', ['configmaps'], ['get']), cm),
      namespace: A,
    });
    assert.equal(await status(rbac('roles', 'listed')), 200);
    await refusedOn(
      optedIn,
      'apply',
      { manifest: stringify(binding('listed', GROUPS)), namespace: A },
      /RoleBinding .* is not writable/,
    );
    await okOn(masker, 'apply', { manifest: stringify({ ...cm, data: { a: '2' } }), namespace: A });
  });
});
