import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestProvider } from '@mcp-fleet/sdk/testing';
import {
  adminOf,
  callOn,
  okOn,
  refusedOn,
  runNamespaces,
  startKubernetesProvider,
  testKubeConfig,
  text,
} from './cluster.js';

/** Generous bound for an answer: far below what a held event loop took, far above any honest call. */
const ANSWER_WITHIN_MS = 20_000;

/** A ConfigMap of 70,000 keys (830 KB): the yaml library's duplicate-key check took 33 s on it. */
function manyKeys(namespace: string): string {
  const data = Array.from({ length: 70_000 }, (_, i) => `  k${i}: v`).join('\n');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: many-keys\n  namespace: ${namespace}\ndata:\n${data}\n`;
}

/** 1 MB of nested flow sequences: 2.5 s of parsing before the parser gave up. */
const DEEP = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;

describe('kubernetes provider: parsing a manifest never holds the event loop', () => {
  let writer: TestProvider;
  let A: string;

  before(async () => {
    const kc = testKubeConfig();
    [A = ''] = (await runNamespaces(adminOf(kc), 'manifests')).names;
    // Three dry-run applies of 830 KB at once took the API server over 10 s on a slow machine:
    // what is measured here is the provider's event loop, not the API server's speed.
    writer = await startKubernetesProvider(kc, { namespaces: [A], write: true, apiTimeoutMs: 120_000 });
  });
  after(async () => {
    await writer.close();
  });

  const ordinaryGet = () =>
    okOn(writer, 'get', { kind: 'configmaps', namespace: A }, { deadlineMs: ANSWER_WITHIN_MS });

  it('a ConfigMap of 70,000 keys is parsed while an ordinary call answers', async () => {
    const heavy = Array.from({ length: 3 }, () =>
      callOn(writer, 'apply', { manifest: manyKeys(A), namespace: A, dryRun: true }, { deadlineMs: 120_000 }),
    );
    await ordinaryGet();
    for (const result of await Promise.all(heavy))
      assert.equal(result.isError, undefined, text(result).slice(0, 500));
  });

  it('1 MB of nested brackets is refused while an ordinary call answers', async () => {
    const heavy = Array.from({ length: 8 }, () =>
      refusedOn(writer, 'apply', { manifest: DEEP, namespace: A }, /invalid YAML|nested|too long/, {
        deadlineMs: 120_000,
      }),
    );
    await ordinaryGet();
    await Promise.all(heavy);
  });

  it('duplicate keys are still refused', async () => {
    await refusedOn(
      writer,
      'apply',
      {
        manifest: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\ndata:\n  a: "1"\n  a: "2"\n`,
        namespace: A,
      },
      /unique|duplicate/i,
    );
  });
});
