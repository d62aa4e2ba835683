import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Database, postgresTools } from '@mcp-fleet/provider-postgres';
import { ConfigError, defineTool, type ToolAnnotations } from '@mcp-fleet/sdk';
import pg from 'pg';
import { generateApiKey } from '../src/auth/api-keys.js';
import type { Caller } from '../src/auth/caller.js';
import { decide, entitlements } from '../src/policy/engine.js';
import { compileGlob } from '../src/policy/glob.js';
import { parsePolicy } from '../src/policy/policy-file.js';
import { type Fleet, openSession, post, startFleet } from './support.js';

const caller = (...roles: string[]): Caller => ({
  subject: 's',
  principal: 'api-key:::s',
  roles,
  scopes: [],
  method: 'api-key',
});

describe('globs', () => {
  const cases: [string, string, boolean][] = [
    ['postgres_*', 'postgres_query', true],
    ['postgres_*', 'postgres_', true],
    ['postgres_*', 'postgresx_query', false],
    ['postgres_*', 'my_postgres_query', false],
    ['*', 'anything at all', true],
    ['*_read', 'fs_read', true],
    ['*_read', 'fs_read_write', false],
    ['fs_?ead', 'fs_read', true],
    ['fs_?ead', 'fs_rread', false],
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['tool(1)', 'tool(1)', true],
    ['[abc]', 'a', false],
    ['[abc]', '[abc]', true],
    ['test://*', 'test://template/1/data', true],
    ['echo', 'echo2', false],
    ['', '', true],
  ];
  for (const [glob, name, expected] of cases) {
    it(`${JSON.stringify(glob)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(name)}`, () => {
      assert.equal(compileGlob(glob)(name), expected);
    });
  }
});

describe('policy decisions', () => {
  const policy = parsePolicy(
    `roles:
  reader:
    tools: { allow: ["postgres_*", "echo"], deny: ["postgres_execute"] }
    arguments:
      postgres_query:
        type: object
        properties: { schema: { const: public }, sql: { type: string } }
        required: [schema, sql]
        additionalProperties: false
      echo:
        type: object
        properties: { text: { type: string, maxLength: 5 } }
  writer:
    tools: { allow: ["postgres_*"] }
  banned:
    tools: { deny: ["*"] }
  limited:
    tools: { allow: ["echo"] }
    rateLimit: { perSecond: 5, burst: 10 }
    quota: { perHour: 100 }
  generous:
    tools: { allow: ["echo"] }
    rateLimit: { perSecond: 50 }
    quota: { perHour: 1000, perDay: 5000 }
`,
    'policy.yaml',
  );

  it('denies by default and tells which rule decided', () => {
    assert.deepEqual(decide(policy, caller('nobody'), 'tools', 'echo'), {
      allowed: false,
      rule: 'default-deny',
      reason: 'no policy rule allows tool echo for your roles',
    });
    assert.deepEqual(decide(policy, caller(), 'tools', 'echo').allowed, false);
  });

  it('a deny rule of any role wins over every allow', () => {
    const d = decide(policy, caller('reader', 'writer'), 'tools', 'postgres_execute', {});
    assert.deepEqual(d, {
      allowed: false,
      rule: 'roles.reader.tools.deny[0]',
      reason: 'denied by policy rule roles.reader.tools.deny[0]',
    });
    assert.equal(decide(policy, caller('writer', 'banned'), 'tools', 'postgres_query').allowed, false);
  });

  it('argument constraints: exact match required, no extra properties, no type coercion', () => {
    const reader = caller('reader');
    assert.equal(
      decide(policy, reader, 'tools', 'postgres_query', { schema: 'public', sql: 'select 1' }).allowed,
      true,
    );
    const other = decide(policy, reader, 'tools', 'postgres_query', { schema: 'secret', sql: 'select 1' });
    assert.equal(other.allowed, false);
    assert.equal(other.rule, 'roles.reader.arguments.postgres_query');
    assert.equal(
      decide(policy, reader, 'tools', 'postgres_query', {
        schema: 'public',
        sql: 'x',
        schemaOverride: 'secret',
      }).allowed,
      false,
    );
    assert.equal(decide(policy, reader, 'tools', 'echo', { text: '12345' }).allowed, true);
    assert.equal(decide(policy, reader, 'tools', 'echo', { text: '123456' }).allowed, false);
    assert.equal(
      decide(policy, reader, 'tools', 'echo', { text: 12345 }).allowed,
      false,
      'a number is not coerced to a string',
    );
    assert.equal(
      decide(policy, reader, 'tools', 'postgres_query', { schema: ['public'], sql: 'x' }).allowed,
      false,
    );
  });

  it('another role allowing the tool without constraints admits the call', () => {
    assert.equal(
      decide(policy, caller('reader', 'writer'), 'tools', 'postgres_query', { schema: 'secret' }).allowed,
      true,
    );
  });

  it('limits: the most generous role wins; a role without a quota lifts it', () => {
    assert.deepEqual(entitlements(policy, caller('limited', 'generous')), {
      rateLimit: { perSecond: 50, burst: 50 },
      toolRateLimit: undefined,
      quota: { perHour: 1000, perDay: 5000 },
    });
    assert.equal(entitlements(policy, caller('limited', 'reader')).quota, undefined);
  });

  it('refuses a malformed policy file with every problem named', () => {
    assert.throws(
      () =>
        parsePolicy(
          'roles:\n  r:\n    tools: { allow: "echo" }\n    rateLimit: { perSecond: 0 }\n    surprise: 1\n',
          'p.yaml',
        ),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.includes('/roles/r/tools/allow must be array')) &&
        err.problems.some((p) => p.includes('/roles/r/rateLimit/perSecond')) &&
        err.problems.some((p) => p.includes('must NOT have additional properties')),
    );
    assert.throws(
      () => parsePolicy('roles:\n  r:\n    arguments:\n      t: { type: nonsense }\n', 'p.yaml'),
      /roles.r.arguments.t/,
    );
  });
});

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

const tool = (name: string) =>
  defineTool({ name, description: name, inputSchema: { type: 'object' }, handler: () => name });

describe('policy through the gateway', () => {
  let fleet: Fleet;
  let dir: string;
  let policyFile: string;
  const key = generateApiKey('reader');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-policy-'));
    policyFile = join(dir, 'policy.yaml');
    await writeFile(
      join(dir, 'auth.yaml'),
      `apiKeys:\n  - { id: reader, hash: "${key.hash}", subject: rita, roles: [reader] }\n`,
    );
    await writeFile(policyFile, 'roles:\n  reader:\n    tools: { allow: ["lab_read_*"] }\n');
    fleet = await startFleet(
      [{ name: 'lab', definitions: [tool('read_a'), tool('read_b'), tool('write_a')] }],
      {
        MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
        MCPFLEET_POLICY_FILE: policyFile,
      },
    );
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const headers = () => ({ authorization: `Bearer ${key.key}` });
  const session = async () =>
    (
      await post(
        fleet.url,
        {
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'p', version: '1' },
          },
        },
        headers(),
      )
    ).headers.get('mcp-session-id') as string;
  const names = async (id: string) => {
    const { json } = await post(
      fleet.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { ...headers(), 'mcp-session-id': id },
    );
    return (json?.result as { tools: { name: string }[] }).tools.map((t) => t.name).sort();
  };

  it('tools/list shows only what the caller may call; a denied call says which rule decided and nothing else', async () => {
    const id = await session();
    assert.deepEqual(await names(id), ['lab_read_a', 'lab_read_b']);
    const { status, json } = await post(
      fleet.url,
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'lab_write_a', arguments: { secret: 'hunter2' } },
      },
      { ...headers(), 'mcp-session-id': id },
    );
    assert.equal(status, 200);
    assert.deepEqual(json?.error, {
      code: -32001,
      message: 'Forbidden: no policy rule allows tool lab_write_a for your roles',
      data: { rule: 'default-deny' },
    });
    const audit = await readFile(join(fleet.dir, 'audit.log'), 'utf8');
    const lines = audit
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const denied = lines.find((l) => l.target === 'lab_write_a');
    assert.equal(denied.outcome, 'denied');
    assert.equal(denied.subject, 'rita');
    assert.match(denied.args, /^sha256:[0-9a-f]{32}$/);
    assert.ok(!audit.includes('hunter2'), 'argument values never reach the audit log');
  });

  it('reloads the policy file when it changes, and keeps the last good one when a change is broken', async () => {
    const id = await session();
    await writeFile(policyFile, 'roles:\n  reader:\n    tools: { allow: ["lab_*"], deny: ["lab_read_b"] }\n');
    assert.equal(await fleet.gateway.policy.reload(), true);
    assert.deepEqual(await names(id), ['lab_read_a', 'lab_write_a']);
    await writeFile(policyFile, 'roles:\n  reader:\n    tools: { allow: lab_everything }\n');
    assert.equal(await fleet.gateway.policy.reload(), false);
    assert.deepEqual(await names(id), ['lab_read_a', 'lab_write_a'], 'the broken file changed nothing');
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
    assert.equal(((await call(viewer, 'lab_mkdir'))?.error as { code: number }).code, -32001);
  });

  it('a destructive deny refuses the unannotated new write tool as well as the declared destructive one', async () => {
    const safe = await open(keys.safe);
    assert.deepEqual(await names(safe), ['lab_mkdir', 'lab_read']);
    for (const tool of ['lab_drop', 'lab_new_write']) {
      assert.deepEqual((await call(safe, tool))?.error, {
        code: -32001,
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
      assert.equal((refused?.error as { code: number }).code, -32001, write);
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
