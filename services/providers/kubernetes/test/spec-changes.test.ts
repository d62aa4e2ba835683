import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { answering, type TestProvider } from '@mcp-fleet/sdk/testing';
import { stringify } from 'yaml';
import {
  adminOf,
  okOn,
  refusedOn,
  runNamespaces,
  startKubernetesProvider,
  testKubeConfig,
} from './cluster.js';

const ELICIT = { capabilities: { elicitation: {} } };
const accept = { ...ELICIT, onFrame: answering(() => ({ action: 'accept', content: { confirm: true } })) };
const pods = (app: string, extra: Record<string, unknown> = {}) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra },
});
const jobPods = (app: string) => pods(app, { restartPolicy: 'Never' });

describe('kubernetes attacks: spec changes that stop or delete things, without the confirmation prompt', () => {
  let kc: KubeConfig;
  let admin: ReturnType<typeof adminOf>;
  let A: string;
  let asker: TestProvider;
  const path = {
    job: () => `/apis/batch/v1/namespaces/${A}/jobs/batch`,
    cron: () => `/apis/batch/v1/namespaces/${A}/cronjobs/cron`,
    web: () => `/apis/apps/v1/namespaces/${A}/deployments/web`,
    db: () => `/apis/apps/v1/namespaces/${A}/statefulsets/db`,
  };
  const spec = async (at: string) => (await admin('GET', at)).body.spec as Record<string, unknown>;

  before(async () => {
    kc = testKubeConfig();
    admin = adminOf(kc);
    [A = ''] = (await runNamespaces(admin, 'specs')).names;
    const fixtures: [string, unknown][] = [
      [
        `/apis/batch/v1/namespaces/${A}/jobs`,
        {
          metadata: { name: 'batch' },
          spec: { parallelism: 3, completions: 10, template: jobPods('batch') },
        },
      ],
      [
        `/apis/batch/v1/namespaces/${A}/cronjobs`,
        {
          metadata: { name: 'cron' },
          spec: {
            schedule: '0 3 * * *',
            concurrencyPolicy: 'Allow',
            successfulJobsHistoryLimit: 3,
            jobTemplate: { spec: { template: jobPods('cron') } },
          },
        },
      ],
      [
        `/apis/apps/v1/namespaces/${A}/deployments`,
        {
          metadata: { name: 'web' },
          spec: {
            replicas: 3,
            revisionHistoryLimit: 10,
            selector: { matchLabels: { app: 'web' } },
            template: pods('web'),
          },
        },
      ],
      [
        `/apis/apps/v1/namespaces/${A}/statefulsets`,
        {
          metadata: { name: 'db' },
          spec: {
            replicas: 3,
            serviceName: 'db',
            selector: { matchLabels: { app: 'db' } },
            template: pods('db'),
            volumeClaimTemplates: [
              {
                metadata: { name: 'data' },
                spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
              },
            ],
          },
        },
      ],
    ];
    for (const [at, body] of fixtures) {
      const r = await admin('POST', at, body);
      assert.equal(r.status, 201, `${at}: ${JSON.stringify(r.body)}`);
    }
    asker = await startKubernetesProvider(kc, { namespaces: [A], write: true, confirm: 'destructive' });
  });
  after(async () => {
    await asker?.close();
  });

  it('Job parallelism 0 (its pods stop) asks, naming the changed path; nothing changes unasked', async () => {
    await refusedOn(
      asker,
      'patch',
      { kind: 'Job', namespace: A, name: 'batch', patch: { spec: { parallelism: 0 } } },
      /change spec\.parallelism of Job batch in .* cannot ask/,
    );
    assert.equal((await spec(path.job())).parallelism, 3);
  });

  it('CronJob concurrencyPolicy Replace, a schedule change and history limits 0 ask, listing every path', async () => {
    const patch = {
      spec: {
        concurrencyPolicy: 'Replace',
        schedule: '* * * * *',
        successfulJobsHistoryLimit: 0,
        failedJobsHistoryLimit: 0,
      },
    };
    const r = await refusedOn(
      asker,
      'patch',
      { kind: 'CronJob', namespace: A, name: 'cron', patch },
      /cannot ask/,
    );
    for (const field of [
      'concurrencyPolicy',
      'schedule',
      'successfulJobsHistoryLimit',
      'failedJobsHistoryLimit',
    ])
      assert.match(r.content[0]?.text ?? '', new RegExp(`spec\\.${field}`));
    const manifest = stringify({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cron' },
      ...patch,
    });
    await refusedOn(asker, 'apply', { manifest, namespace: A, force: true }, /spec\.schedule.*cannot ask/);
    assert.deepEqual(
      [(await spec(path.cron())).concurrencyPolicy, (await spec(path.cron())).schedule],
      ['Allow', '0 3 * * *'],
    );
  });

  it('Deployment revisionHistoryLimit 0 (the rollback history is deleted) asks', async () => {
    await refusedOn(
      asker,
      'patch',
      { kind: 'deploy', namespace: A, name: 'web', patch: { spec: { revisionHistoryLimit: 0 } } },
      /change spec\.revisionHistoryLimit of Deployment web.*cannot ask/,
    );
    assert.equal((await spec(path.web())).revisionHistoryLimit, 10);
  });

  it('StatefulSet PVC retention Delete plus ordinals.start, then a scale down (its volumes deleted): each asks', async () => {
    const patch = {
      spec: {
        persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' },
        ordinals: { start: 7 },
      },
    };
    const r = await refusedOn(asker, 'patch', { kind: 'sts', namespace: A, name: 'db', patch }, /cannot ask/);
    assert.match(r.content[0]?.text ?? '', /spec\.persistentVolumeClaimRetentionPolicy\.whenScaled/);
    assert.match(r.content[0]?.text ?? '', /spec\.ordinals/);
    await refusedOn(
      asker,
      'scale',
      { kind: 'StatefulSet', namespace: A, name: 'db', replicas: 1 },
      /scale StatefulSet db in .* down from 3 to 1 replicas.*cannot ask/,
    );
    await refusedOn(
      asker,
      'patch',
      { kind: 'sts', namespace: A, name: 'db', patch: { spec: { replicas: 2 } } },
      /scale StatefulSet db in .* down from 3 to 2 replicas.*cannot ask/,
    );
    const db = await spec(path.db());
    assert.deepEqual(
      [db.replicas, db.ordinals, db.persistentVolumeClaimRetentionPolicy],
      [
        3,
        undefined,
        {
          whenScaled: 'Retain',
          whenDeleted: 'Retain',
        },
      ],
    );
  });

  it('changes known to be safe go ahead unasked: more replicas, labels, a ConfigMap, resuming; an accepted change is made', async () => {
    await okOn(asker, 'scale', { kind: 'StatefulSet', namespace: A, name: 'db', replicas: 4 });
    await okOn(asker, 'patch', {
      kind: 'deploy',
      namespace: A,
      name: 'web',
      patch: { spec: { replicas: 5 } },
    });
    await okOn(asker, 'patch', {
      kind: 'Job',
      namespace: A,
      name: 'batch',
      patch: { metadata: { labels: { a: 'b' } } },
    });
    await okOn(asker, 'patch', {
      kind: 'CronJob',
      namespace: A,
      name: 'cron',
      patch: { spec: { suspend: false } },
    });
    await okOn(asker, 'rollout', { namespace: A, name: 'web', action: 'pause' });
    await okOn(asker, 'rollout', { namespace: A, name: 'web', action: 'resume' });
    // Created, then its data changed.
    for (const a of ['1', '2']) {
      const manifest = stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cfg' },
        data: { a },
      });
      await okOn(asker, 'apply', { manifest, namespace: A });
    }
    assert.equal((await spec(path.db())).replicas, 4);
    await okOn(
      asker,
      'patch',
      { kind: 'Job', namespace: A, name: 'batch', patch: { spec: { parallelism: 0 } } },
      accept,
    );
    assert.equal((await spec(path.job())).parallelism, 0);
  });
});
