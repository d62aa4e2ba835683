import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { ConfigError, defineTool } from '@mcp-fleet/sdk';
import { generateApiKey } from '../src/auth/api-keys.js';
import { decide, entitlements } from '../src/policy/engine.js';
import { compileGlob } from '../src/policy/glob.js';
import { parsePolicy } from '../src/policy/policy-file.js';
import { auditLine } from './audit-lines.js';
import { caller, type Fleet, post, startFleet } from './support.js';

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

  it('what a role set is granted is kept per policy: no two role lists share it, a new policy starts afresh', () => {
    // A token's roles may hold any string: one role "limited,generous" is not the two roles.
    assert.equal(decide(policy, caller('limited', 'generous'), 'tools', 'echo').allowed, true);
    assert.equal(decide(policy, caller('limited,generous'), 'tools', 'echo').allowed, false);
    assert.equal(decide(policy, caller('limited', 'generous'), 'tools', 'echo').allowed, true);
    const stricter = parsePolicy('roles:\n  limited:\n    tools: { deny: ["echo"] }\n', 'p.yaml');
    assert.equal(decide(stricter, caller('limited'), 'tools', 'echo').allowed, false);
    assert.equal(entitlements(stricter, caller('limited')).rateLimit, undefined);
    // Role sets minted by callers: the memo starts over rather than grow, and answers stay right.
    for (let i = 0; i < 3000; i++)
      assert.equal(decide(policy, caller(`r${i}`), 'tools', 'echo').allowed, false);
    assert.equal(decide(policy, caller('limited'), 'tools', 'echo').allowed, true);
    assert.equal(entitlements(policy, caller('limited')).quota?.perHour, 100);
    assert.equal(entitlements(policy, caller('generous', 'limited')).quota?.perHour, 1000);
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
      code: ErrorCode.Forbidden,
      message: 'Forbidden: no policy rule allows tool lab_write_a for your roles',
      data: { rule: 'default-deny' },
    });
    const file = join(fleet.dir, 'audit.log');
    const denied = await auditLine(file, (l) => l.target === 'lab_write_a');
    assert.equal(denied.outcome, 'denied');
    assert.equal(denied.subject, 'rita');
    assert.match(String(denied.args), /^sha256:[0-9a-f]{32}$/);
    assert.ok(
      !(await readFile(file, 'utf8')).includes('hunter2'),
      'argument values never reach the audit log',
    );
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
