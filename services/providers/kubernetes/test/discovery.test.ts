import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestProvider } from '@mcp-fleet/sdk/testing';
import {
  adminOf,
  okOn,
  refusedOn,
  runNamespaces,
  startKubernetesProvider,
  testKubeConfig,
  text,
} from './cluster.js';

const APISERVICES = '/apis/apiregistration.k8s.io/v1/apiservices';

/**
 * An aggregated API whose backend is down, as a cluster has while metrics-server restarts: the
 * API server lists the group, and answers 503 for its resources.
 */
describe('kubernetes provider while an aggregated API is unavailable', () => {
  let admin: ReturnType<typeof adminOf>;
  let namespace: string;
  let group: string;
  let provider: TestProvider | undefined;

  before(async () => {
    const kc = testKubeConfig();
    admin = adminOf(kc);
    const { run, names } = await runNamespaces(admin, 'aggregated');
    namespace = names[0] ?? '';
    group = `unavailable-${run}.mcp-fleet.test`;
    const settings = await admin('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
      metadata: { name: 'settings' },
      data: { a: '1' },
    });
    assert.equal(settings.status, 201, JSON.stringify(settings.body));
    const registered = await admin('POST', APISERVICES, {
      metadata: { name: `v1.${group}` },
      spec: {
        group,
        version: 'v1',
        groupPriorityMinimum: 100,
        versionPriority: 100,
        insecureSkipTLSVerify: true,
        service: { name: 'nowhere', namespace, port: 443 },
      },
    });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const listed = async () =>
      ((await admin('GET', '/apis')).body as { groups?: { name: string }[] }).groups?.some(
        (g) => g.name === group,
      ) === true && (await admin('GET', `/apis/${group}/v1`)).status === 503;
    for (let i = 0; i < 100 && !(await listed()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await listed(), `${group} listed by the API server and answering 503`);
    provider = await startKubernetesProvider(kc, { namespaces: [namespace] });
  });

  after(async () => {
    await provider?.close();
    await admin('DELETE', `${APISERVICES}/v1.${group}`);
  });

  it('still serves the kinds of every other group', async () => {
    const on = provider as TestProvider;
    assert.match(text(await okOn(on, 'get', { kind: 'ConfigMap', namespace, name: 'settings' })), /settings/);
    await okOn(on, 'get', { kind: 'deployments.apps', namespace });
  });

  it('names the group it could not discover, in api_resources and when a kind is not found', async () => {
    const on = provider as TestProvider;
    const listing = text(await okOn(on, 'api_resources', {}));
    assert.match(listing, new RegExp(`${group.replace(/\./g, '\\.')}/v1: .*503`));
    assert.match(listing, /ConfigMap/);
    await refusedOn(
      on,
      'get',
      { kind: `widgets.${group}`, namespace },
      new RegExp(`unknown kind.*not discovered: ${group.replace(/\./g, '\\.')}/v1`),
    );
  });
});
