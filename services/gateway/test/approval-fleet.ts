import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool } from '@mcp-fleet/sdk';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { generateApiKey } from '../src/auth/api-keys.js';
import { connectOver, type EdgeAddresses } from './edge-clients.js';
import { redisUrl } from './redis-support.js';
import { type Fleet, startFleet } from './support.js';

/** Tools of an `ops` provider: what approval rules select, by name or by annotation. */
const DESTRUCTIVE = { readOnlyHint: false, destructiveHint: true };
/** A tool without arguments answering `text`: only its name and annotations matter to the rules. */
const answering = (name: string, text: string, annotations: Record<string, boolean> = DESTRUCTIVE) =>
  defineTool({
    name,
    description: `Answers ${text}.`,
    inputSchema: { type: 'object' },
    annotations,
    handler: () => text,
  });

const ops = [
  defineTool<{ service: string; version: string }>({
    name: 'deploy',
    description: 'Deploys a service version.',
    inputSchema: {
      type: 'object',
      properties: { service: { type: 'string' }, version: { type: 'string' } },
      required: ['service', 'version'],
    },
    annotations: DESTRUCTIVE,
    handler: ({ service, version }) => `deployed ${service}@${version}`,
  }),
  defineTool<{ table: string }>({
    name: 'confirm_drop',
    description: 'Drops a table, once the caller confirms.',
    inputSchema: { type: 'object', properties: { table: { type: 'string' } }, required: ['table'] },
    annotations: DESTRUCTIVE,
    handler: ({ table }) => `dropped ${table}`,
  }),
  answering('quick_restart', 'restarted'),
  answering('self_rotate', 'rotated'),
  answering('status', 'all green', { readOnlyHint: true }),
];

const POLICY = `roles:
  dev:
    tools:
      allow:
        - { name: "ops_confirm_*", approval: caller }
        - { name: "ops_quick_*", approval: { role: sre, timeout: 1s } }
        - { name: "ops_self_*", approval: { role: sre, timeout: 30s, allowSelf: true } }
        - { annotations: { destructiveHint: true }, approval: { role: sre, timeout: 30s } }
        - "*"
  sre:
    tools:
      allow: [{ annotations: { readOnlyHint: true } }]
  viewer:
    tools:
      allow: [{ annotations: { readOnlyHint: true } }]
`;

const WORKFLOWS = `
workflows:
  - name: release
    description: Checks the status, then deploys.
    inputSchema: { type: object, properties: { version: { type: string } }, required: [version] }
    steps:
      - id: check
        call: ops_status
        arguments: {}
      - id: ship
        call: ops_deploy
        arguments: { service: web, version: "\${inputs.version}" }
`;

/**
 * alice develops; bob approves (sre); carol does both (her own calls meet her own approval);
 * dave only reads and approves nothing; erin is carol's second key, an approver only, under
 * carol's subject: another principal, the same person.
 */
const ROLES = { alice: 'dev', bob: 'sre', carol: 'dev, sre', dave: 'viewer', erin: 'sre' } as const;
const SUBJECT: Partial<Record<Who, string>> = { erin: 'carol' };
export type Who = keyof typeof ROLES;

export interface ApprovalFleet {
  fleet: Fleet;
  /** The gateway replicas' addresses: calls and decisions may land on either. */
  at: EdgeAddresses[];
  headers(who: Who): Record<string, string>;
  /** An official SDK client of `who` on replica `replica`, over Streamable HTTP (2025 sessions). */
  client(who: Who, replica?: number, capabilities?: Record<string, unknown>): Promise<Client>;
  /** The audit lines of every replica, parsed. */
  audit(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Two gateway replicas sharing Redis (approvals under a prefix of their own) in front of `ops`. */
export async function startApprovalFleet(): Promise<ApprovalFleet> {
  const keys = Object.fromEntries(Object.keys(ROLES).map((who) => [who, generateApiKey(who)])) as Record<
    Who,
    { key: string; hash: string }
  >;
  const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-approvals-'));
  const files = {
    auth: join(dir, 'auth.yaml'),
    policy: join(dir, 'policy.yaml'),
    workflows: join(dir, 'workflows.yaml'),
  };
  await writeFile(
    files.auth,
    `apiKeys:\n${(Object.keys(ROLES) as Who[])
      .map(
        (who) =>
          `  - { id: ${who}, hash: "${keys[who].hash}", subject: ${SUBJECT[who] ?? who}, roles: [${ROLES[who]}] }`,
      )
      .join('\n')}\n`,
  );
  await writeFile(files.policy, POLICY);
  await writeFile(files.workflows, WORKFLOWS);
  const replicas = await startFleet(
    [{ name: 'ops', definitions: ops }],
    {
      REDIS_URL: redisUrl(),
      MCPFLEET_AUTH_FILE: files.auth,
      MCPFLEET_POLICY_FILE: files.policy,
      MCPFLEET_WORKFLOWS_FILE: files.workflows,
      MCPFLEET_APPROVALS_PREFIX: `test:approvals:${randomBytes(6).toString('hex')}:`,
      MCPFLEET_APPROVAL_POLL: '500ms',
      // What a caller has to answer its own approval: the rules with a role name their own timeouts.
      MCPFLEET_APPROVAL_TIMEOUT: '3s',
    },
    [],
    2,
  );
  const at = replicas.urls.map((url, i) => ({
    http: url.replace(/\/mcp$/, ''),
    grpc: `127.0.0.1:${replicas.gateways[i]?.grpcPort}`,
  }));
  const headers = (who: Who) => ({ authorization: `Bearer ${keys[who].key}` });
  const clients: Client[] = [];
  return {
    fleet: replicas,
    at,
    headers,
    async client(who, replica = 0, capabilities = {}) {
      const client = await connectOver(
        'streamable-http',
        at[replica] as EdgeAddresses,
        headers(who),
        capabilities,
      );
      clients.push(client);
      return client;
    },
    async audit() {
      const text = await readFile(join(replicas.dir, 'audit.log'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await replicas.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for the audit to hold an approval line with `outcome` for `tool`; returns it. */
export async function approvalLine(
  fleet: ApprovalFleet,
  tool: string,
  outcome: string,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = (await fleet.audit()).find(
      (line) => line.audit === 'approval' && line.target === tool && line.outcome === outcome,
    );
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no audit line: approval ${outcome} of ${tool}`);
    await sleep(20);
  }
}

/** The JSON-RPC error a call was refused with (it must be refused). */
export async function refusal(
  call: Promise<unknown>,
): Promise<{ code: number; message: string; data?: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    return err as { code: number; message: string; data?: Record<string, unknown> };
  }
  throw new Error('the call was not refused');
}
