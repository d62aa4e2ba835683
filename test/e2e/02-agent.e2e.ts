/**
 * An agent uses the installed fleet through the gateway Service: the official MCP client calls a
 * tool of every provider, each answered by its own pod.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentPerSuite, call, text } from './agent.js';
import { kubectl, NAMESPACE } from './cluster.js';

describe('an agent calls every provider through the gateway Service', () => {
  const agent = agentPerSuite();

  it('lists the tools of every provider', async () => {
    const { tools } = await agent().listTools();
    const names = new Set(tools.map((t) => t.name));
    for (const name of [
      'everything_echo',
      'postgres_query',
      'filesystem_write',
      'git_log',
      'kubernetes_pod_logs',
    ])
      assert.ok(names.has(name), `${name} is listed`);
  });

  it('everything: echo', async () => {
    assert.equal(
      text(await call(agent(), 'everything_echo', { text: 'through the Service' })),
      'through the Service',
    );
  });

  it('postgres: a query against the in-cluster database', async () => {
    const result = await call(agent(), 'postgres_query', {
      sql: 'SELECT id FROM orders WHERE status = $1 ORDER BY id',
      params: ['paid'],
    });
    assert.deepEqual(
      (result.structuredContent as { rows: { id: number }[] }).rows.map((r) => Number(r.id)),
      [1, 3],
    );
  });

  it('filesystem: write then read a file on the provider volume', async () => {
    await call(agent(), 'filesystem_write', { path: 'hello.txt', content: 'hello from the agent\n' });
    assert.match(
      text(await call(agent(), 'filesystem_read_text', { path: 'hello.txt' })),
      /hello from the agent/,
    );
  });

  it('git: the log of a repository on the provider volume', async () => {
    const pod = (
      await kubectl(['get', 'pods', '-n', NAMESPACE, '-l', 'app.kubernetes.io/component=git', '-o', 'name'])
    )
      .trim()
      .split('\n')[0];
    assert.ok(pod, 'a git provider pod');
    // The image has git and no shell: one command at a time.
    await kubectl(['exec', '-n', NAMESPACE, pod, '--', 'git', 'init', '-q', '/repos/demo']);
    await kubectl([
      'exec',
      '-n',
      NAMESPACE,
      pod,
      '--',
      'git',
      '-C',
      '/repos/demo',
      '-c',
      'user.name=e2e',
      '-c',
      'user.email=e2e@example.com',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'first commit',
    ]);
    assert.match(text(await call(agent(), 'git_log', { repo: 'demo' })), /first commit/);
  });

  it('kubernetes: the pods of its namespace', async () => {
    assert.match(
      text(await call(agent(), 'kubernetes_get', { namespace: 'e2e-apps', kind: 'pods' })),
      /ticker/,
    );
  });
});
