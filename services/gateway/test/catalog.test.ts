import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, defineResource, defineTool } from '@mcp-fleet/sdk';
import { parseProvidersFile } from '../src/catalog/providers-file.js';
import { initialize, post, startFleet } from './support.js';

const tool = (name: string) =>
  defineTool({
    name,
    description: name,
    inputSchema: { type: 'object' },
    annotations: { readOnlyHint: true },
    handler: () => name,
  });

describe('providers file', () => {
  it('reads YAML with defaults: prefix = name, per-provider and per-tool timeouts', () => {
    const providers = parseProvidersFile(
      `providers:
  - name: postgres
    target: dns:///postgres.fleet.svc:50052
    timeout: 30s
    tools:
      query: { timeout: 2m }
  - name: everything
    target: 127.0.0.1:50051
    prefix: ""
`,
      'providers.yaml',
      60_000,
    );
    assert.deepEqual(providers, [
      {
        name: 'postgres',
        target: 'dns:///postgres.fleet.svc:50052',
        prefix: 'postgres',
        timeoutMs: 30_000,
        toolTimeoutsMs: { query: 120_000 },
      },
      { name: 'everything', target: '127.0.0.1:50051', prefix: '', timeoutMs: 60_000, toolTimeoutsMs: {} },
    ]);
  });

  const problems = (text: string, source = 'p.yaml') => {
    try {
      parseProvidersFile(text, source, 1000);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems.join('\n');
    }
    throw new Error('expected a ConfigError');
  };

  it('names each problem and where it is', () => {
    assert.match(
      problems('providers:\n  - name: Bad Name\n    target: x\n'),
      /p.yaml: \/providers\/0\/name must match pattern/,
    );
    assert.match(
      problems('providers:\n  - name: a\n'),
      /\/providers\/0 must have required property 'target'/,
    );
    assert.match(
      problems('providers:\n  - name: a\n    target: x\n    tiemout: 5s\n'),
      /must NOT have additional properties/,
    );
    assert.match(
      problems('providers:\n  - name: a\n    target: x\n    timeout: soon\n'),
      /\/providers\/0\/timeout/,
    );
    assert.match(
      problems('providers:\n  - {name: a, target: x}\n  - {name: a, target: y}\n'),
      /provider "a" is listed twice/,
    );
    assert.match(problems('{"providers": [', 'p.json'), /p.json: not valid JSON/);
    assert.match(problems('providers: [\n'), /not valid YAML/);
  });

  it('refuses YAML alias bombs', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    lines.push('providers: []');
    assert.match(problems(lines.join('\n')), /not valid YAML|alias/i);
  });
});

describe('merged catalog', () => {
  it('refuses a name two providers claim (neither serves it) and reports not ready', async () => {
    const fleet = await startFleet([
      { name: 'alpha', prefix: 'shared', definitions: [tool('run'), tool('only_alpha')] },
      { name: 'beta', prefix: 'shared', definitions: [tool('run'), tool('only_beta')] },
      {
        name: 'gamma',
        definitions: [defineResource({ uri: 'file:///same', name: 'same', read: () => [] })],
      },
      {
        name: 'delta',
        definitions: [defineResource({ uri: 'file:///same', name: 'same', read: () => [] })],
      },
    ]);
    try {
      const session = await initialize(fleet.url);
      const { json } = await post(
        fleet.url,
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { 'mcp-session-id': session },
      );
      const names = (json?.result as { tools: { name: string }[] }).tools.map((t) => t.name).sort();
      assert.deepEqual(names, ['shared_only_alpha', 'shared_only_beta']);
      const resources = await post(
        fleet.url,
        { jsonrpc: '2.0', id: 2, method: 'resources/list' },
        { 'mcp-session-id': session },
      );
      assert.deepEqual((resources.json?.result as { resources: unknown[] }).resources, []);
      const called = await post(
        fleet.url,
        { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'shared_run', arguments: {} } },
        { 'mcp-session-id': session },
      );
      assert.equal((called.json?.error as { code: number }).code, -32602);
      const ready = await fetch(fleet.url.replace('/mcp', '/readyz'));
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as { conflicts: string[] };
      assert.deepEqual(body.conflicts.sort(), [
        'resource:file:///same (providers gamma and delta)',
        'tool:shared_run (providers alpha and beta)',
      ]);
    } finally {
      await fleet.close();
    }
  });

  it('readyz and healthz report a healthy fleet', async () => {
    const fleet = await startFleet([{ name: 'alpha', definitions: [tool('run')] }]);
    try {
      assert.equal((await fetch(fleet.url.replace('/mcp', '/healthz'))).status, 200);
      const ready = await fetch(fleet.url.replace('/mcp', '/readyz'));
      assert.equal(ready.status, 200);
      const body = (await ready.json()) as { providers: { name: string; up: boolean }[] };
      const session = await initialize(fleet.url);
      await post(
        fleet.url,
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'alpha_run', arguments: {} } },
        { 'mcp-session-id': session },
      );
      const metrics = await (await fetch(fleet.url.replace('/mcp', '/metrics'))).text();
      assert.match(metrics, /mcpfleet_requests_total\{method="tools\/call",outcome="ok"\} 1/);
      assert.match(metrics, /mcpfleet_audit_events_total\{event="call",outcome="ok"\} 1/);
      assert.deepEqual(
        body.providers.map((p) => [p.name, p.up]),
        [['alpha', true]],
      );
    } finally {
      await fleet.close();
    }
  });
});
