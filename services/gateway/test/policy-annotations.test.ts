import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { Database, postgresTools } from '@mcp-fleet/provider-postgres';
import { ConfigError, defineTool, type ToolAnnotations } from '@mcp-fleet/sdk';
import pg from 'pg';
import { generateApiKey } from '../src/auth/api-keys.js';
import { decide } from '../src/policy/engine.js';
import { parsePolicy } from '../src/policy/policy-file.js';
import { caller, type Fleet, openSession, post, startFleet } from './support.js';

describe('policy rules on tool annotations', () => {
  const policy = parsePolicy(
    `roles:
  viewer:
    tools:
      allow: [{ annotations: { readOnlyHint: true } }]
  safe:
    tools:
      allow: ["*"]
      deny: [{ annotations: { destructiveHint: true } }]
  closed:
    tools:
      allow: [{ name: "pg_*", annotations: { readOnlyHint: true, openWorldHint: false } }]
`,
    'policy.yaml',
  );
  const READ = { readOnlyHint: true, openWorldHint: false };
  const tool = (name: string, annotations?: Record<string, unknown>) => ({ name, annotations });

  it('an allow rule admits only tools whose annotations match', () => {
    assert.deepEqual(decide(policy, caller('viewer'), 'tools', tool('pg_query', READ)), {
      allowed: true,
      rule: 'roles.viewer.tools.allow[0]',
    });
    assert.equal(
      decide(policy, caller('viewer'), 'tools', tool('pg_execute', { readOnlyHint: false })).allowed,
      false,
    );
  });

  it('a tool without annotations is taken at the MCP defaults: may write, destructive, open world', () => {
    for (const annotations of [undefined, {}, { readOnlyHint: 'yes' }, { title: 'x' }]) {
      assert.equal(decide(policy, caller('viewer'), 'tools', tool('new_write', annotations)).allowed, false);
      assert.deepEqual(decide(policy, caller('safe'), 'tools', tool('new_write', annotations)), {
        allowed: false,
        rule: 'roles.safe.tools.deny[0]',
        reason: 'denied by policy rule roles.safe.tools.deny[0]',
      });
    }
    assert.equal(
      decide(policy, caller('safe'), 'tools', 'named_only').allowed,
      false,
      'no annotations known',
    );
  });

  it('a write tool must say destructiveHint: false to pass a destructive deny; a read-only one need not', () => {
    const safe = caller('safe');
    assert.equal(decide(policy, safe, 'tools', tool('w', { readOnlyHint: false })).allowed, false);
    assert.equal(
      decide(policy, safe, 'tools', tool('mkdir', { readOnlyHint: false, destructiveHint: false })).allowed,
      true,
    );
    assert.equal(decide(policy, safe, 'tools', tool('read', { readOnlyHint: true })).allowed, true);
    assert.equal(
      decide(policy, safe, 'tools', tool('odd', { readOnlyHint: true, destructiveHint: true })).allowed,
      false,
      'an explicit destructiveHint counts even beside readOnlyHint',
    );
  });

  it('a rule with a name and annotations needs both; a deny on annotations wins over any allow', () => {
    const closed = caller('closed');
    assert.equal(decide(policy, closed, 'tools', tool('pg_query', READ)).allowed, true);
    assert.equal(decide(policy, closed, 'tools', tool('fs_read', READ)).allowed, false);
    assert.equal(decide(policy, closed, 'tools', tool('pg_fetch', { readOnlyHint: true })).allowed, false);
    assert.equal(
      decide(
        policy,
        caller('viewer', 'safe'),
        'tools',
        tool('odd', { readOnlyHint: true, destructiveHint: true }),
      ).allowed,
      false,
    );
  });

  it('refuses annotation rules that could not mean anything', () => {
    const bad = [
      ['tools: { deny: [{ annotations: { destructive: true } }] }', 'must NOT have additional properties'],
      ['tools: { deny: [{ annotations: { destructiveHint: "true" } }] }', 'must be boolean'],
      ['tools: { deny: [{ annotations: {} }] }', 'must NOT have fewer than 1 properties'],
      ['tools: { deny: [{ name: "x_*" }] }', "must have required property 'annotations'"],
      ['resources: { deny: [{ annotations: { readOnlyHint: false } }] }', 'must be string'],
    ];
    for (const [rules, problem] of bad) {
      assert.throws(
        () => parsePolicy(`roles:\n  r:\n    ${rules}\n`, 'p.yaml'),
        (err: unknown) =>
          err instanceof ConfigError && err.problems.some((p) => p.includes(problem as string)),
        rules,
      );
    }
  });
});
const annotated = (name: string, annotations?: ToolAnnotations) =>
  defineTool({ name, description: name, inputSchema: { type: 'object' }, annotations, handler: () => name });

describe('annotation rules through the gateway', () => {
  let fleet: Fleet;
  let dir: string;
  const keys = { viewer: generateApiKey('viewer'), safe: generateApiKey('safe') };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-policy-annotations-'));
    await writeFile(
      join(dir, 'auth.yaml'),
      `apiKeys:
  - { id: viewer, hash: "${keys.viewer.hash}", subject: vic, roles: [viewer] }
  - { id: safe, hash: "${keys.safe.hash}", subject: sam, roles: [safe] }
`,
    );
    await writeFile(
      join(dir, 'policy.yaml'),
      `roles:
  viewer: { tools: { allow: [{ annotations: { readOnlyHint: true } }] } }
  safe: { tools: { allow: ["*"], deny: [{ annotations: { destructiveHint: true } }] } }
`,
    );
    fleet = await startFleet(
      [
        {
          name: 'lab',
          definitions: [
            annotated('read', { readOnlyHint: true }),
            annotated('mkdir', { readOnlyHint: false, destructiveHint: false }),
            annotated('drop', { readOnlyHint: false, destructiveHint: true }),
            // A write tool someone added without annotations.
            annotated('new_write'),
          ],
        },
      ],
      { MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'), MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml') },
    );
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = (key: { key: string }) => openSession(fleet.url, { authorization: `Bearer ${key.key}` });
  const names = async (headers: Record<string, string>) => {
    const { json } = await post(fleet.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, headers);
    return (json?.result as { tools: { name: string }[] }).tools.map((t) => t.name).sort();
  };
  const call = async (headers: Record<string, string>, name: string) =>
    (await post(fleet.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name } }, headers)).json;

  it('tools/list and calls follow the annotations: only read-only tools for the viewer', async () => {
    const viewer = await open(keys.viewer);
    assert.deepEqual(await names(viewer), ['lab_read']);
    assert.deepEqual((await call(viewer, 'lab_read'))?.result, { content: [{ type: 'text', text: 'read' }] });
    assert.equal(((await call(viewer, 'lab_mkdir'))?.error as { code: number }).code, ErrorCode.Forbidden);
  });

  it('a destructive deny refuses the unannotated new write tool as well as the declared destructive one', async () => {
    const safe = await open(keys.safe);
    assert.deepEqual(await names(safe), ['lab_mkdir', 'lab_read']);
    for (const tool of ['lab_drop', 'lab_new_write']) {
      assert.deepEqual((await call(safe, tool))?.error, {
        code: ErrorCode.Forbidden,
        message: 'Forbidden: denied by policy rule roles.safe.tools.deny[0]',
        data: { rule: 'roles.safe.tools.deny[0]' },
      });
    }
  });
});

describe('the README example policy', () => {
  let fleet: Fleet;
  let dir: string;
  let pool: pg.Pool;
  const key = generateApiKey('analyst');

  before(async () => {
    const readme = await readFile(new URL('../../../../README.md', import.meta.url), 'utf8');
    const example = /```yaml\n# policy\.yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, 'README.md has a "# policy.yaml" example');
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-policy-readme-'));
    await writeFile(join(dir, 'policy.yaml'), example);
    await writeFile(
      join(dir, 'auth.yaml'),
      `apiKeys:\n  - { id: analyst, hash: "${key.hash}", subject: ann, roles: [analyst] }\n`,
    );
    const url = process.env.DATABASE_URL;
    if (!url)
      throw new Error('DATABASE_URL is not set: run the tests with `make test` (scripts/test-env.sh up)');
    pool = new pg.Pool({ connectionString: url, max: 1 });
    const postgres = postgresTools({
      db: new Database(pool, undefined),
      readWrite: true,
      dmlOnly: true,
      limits: { timeoutMs: 5_000, maxRows: 100, maxBytes: 65_536 },
    });
    fleet = await startFleet([{ name: 'postgres', definitions: postgres }], {
      MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
      MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
    });
  });
  after(async () => {
    await fleet.close();
    await pool.end();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets the analyst read, and refuses every postgres write tool (postgres_transaction included)', async () => {
    const session = await openSession(fleet.url, { authorization: `Bearer ${key.key}` });
    const { json } = await post(fleet.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, session);
    const listed = (json?.result as { tools: { name: string; annotations?: ToolAnnotations }[] }).tools;
    const names = listed.map((t) => t.name);
    assert.ok(names.includes('postgres_query'), names.join(', '));
    assert.ok(
      listed.every((t) => t.annotations?.readOnlyHint === true),
      'only read-only tools',
    );
    for (const write of ['postgres_execute', 'postgres_transaction']) {
      assert.ok(!names.includes(write), `${write} is not listed`);
      const { json: refused } = await post(
        fleet.url,
        {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: write, arguments: { sql: 'DELETE FROM t' } },
        },
        session,
      );
      assert.equal((refused?.error as { code: number }).code, ErrorCode.Forbidden, write);
    }
    const { json: tooMany } = await post(
      fleet.url,
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'postgres_query', arguments: { sql: 'SELECT 1', maxRows: 10_000 } },
      },
      session,
    );
    assert.equal(
      (tooMany?.error as { data: { rule: string } }).data.rule,
      'roles.analyst.arguments.postgres_query',
    );
  });
});
