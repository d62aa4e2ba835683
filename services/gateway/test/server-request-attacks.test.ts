import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { waitFor } from '@mcp-fleet/sdk/testing';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { generateApiKey } from '../src/auth/api-keys.js';
import { auditLine } from './audit-lines.js';
import { connectOver, EDGES, type Edge, type EdgeAddresses, openRawChannel } from './edge-clients.js';
import { redisUrl } from './redis-support.js';
import { type Fleet, openSession, post, startFleet, startWaitingCall } from './support.js';

const FORBIDDEN = ErrorCode.Forbidden;
const OWN_ANSWER = { username: 'alice', email: 'alice@example.test' };
const FORGED_ANSWER = { username: 'mallory', email: 'mallory@example.test' };

/** Session A waits in an elicitation until the attacker has had its go; then answers for itself. */
interface Victim {
  client: Client;
  requestId: Promise<string>;
  release(): void;
  result: Promise<unknown>;
}

async function victim(edge: Edge, at: EdgeAddresses, headers: Record<string, string>): Promise<Victim> {
  const client = await connectOver(edge, at, headers, { elicitation: {} });
  let seen: (id: string) => void = () => {};
  const requestId = new Promise<string>((resolve) => {
    seen = resolve;
  });
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  client.setRequestHandler(ElicitRequestSchema, async (_request, extra) => {
    seen(String(extra.requestId));
    await released;
    return { action: 'accept', content: OWN_ANSWER };
  });
  const result = client.callTool({ name: 'test_elicitation', arguments: { message: 'who are you?' } });
  return { client, requestId, release, result };
}

/** The attacker posts an answer to someone else's request; what the gateway told it. */
async function forgeAnswer(
  edge: Edge,
  at: EdgeAddresses,
  headers: Record<string, string>,
  requestId: string,
): Promise<{ code: number; message: string; httpStatus?: number }> {
  const forged = { jsonrpc: '2.0', id: requestId, result: { action: 'accept', content: FORGED_ANSWER } };
  if (edge === 'streamable-http') {
    const url = `${at.http}/mcp`;
    const answer = await post(url, forged, await openSession(url, headers));
    const error = (answer.json?.error ?? {}) as { code: number; message: string };
    return { ...error, httpStatus: answer.status };
  }
  const channel = await openRawChannel(edge, at, headers);
  try {
    await channel.send(forged);
    await waitFor(() => channel.messages.some((m) => m.error !== undefined), `the refusal over ${edge}`);
    return channel.messages.find((m) => m.error !== undefined)?.error as { code: number; message: string };
  } finally {
    await channel.close();
  }
}

/** The audit line about `target`, once the gateway has flushed it. */
const topologies = [
  { name: 'one gateway', replicas: 1, env: (): Record<string, string> => ({}) },
  {
    name: 'two gateway replicas sharing Redis',
    replicas: 2,
    env: (): Record<string, string> => ({ REDIS_URL: redisUrl() }),
  },
];

for (const topology of topologies) {
  describe(`server→client requests are bound to their session and caller (${topology.name})`, () => {
    let fleet: Fleet;
    let dir: string;
    const alice = generateApiKey('alice');
    const mallory = generateApiKey('mallory');
    const auth = (key: { key: string }) => ({ authorization: `Bearer ${key.key}` });
    /** A on the first replica, the attacker on the last one. */
    const addresses = (replica: number): EdgeAddresses => ({
      http: (fleet.urls[replica] as string).replace(/\/mcp$/, ''),
      grpc: `127.0.0.1:${fleet.gateways[replica]?.grpcPort}`,
    });

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mcpfleet-sreq-'));
      await writeFile(
        join(dir, 'auth.yaml'),
        `apiKeys:
  - { id: alice, hash: "${alice.hash}", subject: alice, roles: [caller] }
  - { id: mallory, hash: "${mallory.hash}", subject: mallory, roles: [caller] }
`,
      );
      await writeFile(join(dir, 'policy.yaml'), 'roles:\n  caller:\n    tools: { allow: ["*"] }\n');
      fleet = await startFleet(
        [{ name: 'everything', prefix: '', definitions }],
        {
          ...topology.env(),
          MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
          MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
        },
        [],
        topology.replicas,
      );
    });
    after(async () => {
      await fleet.close();
      await rm(dir, { recursive: true, force: true });
    });

    /** An answer the gateway cannot take any more: wherever it lands, refused and audited alike. */
    async function assertRefusedEverywhere(answer: Record<string, unknown>, headers: Record<string, string>) {
      for (const url of [fleet.urls.at(-1) as string, fleet.url]) {
        const refused = await post(url, answer, headers);
        assert.equal(refused.status, 403, refused.text);
        assert.equal((refused.json?.error as { code: number }).code, FORBIDDEN);
      }
      const line = await auditLine(join(fleet.dir, 'audit.log'), (l) => l.target === answer.id);
      assert.deepEqual([line.outcome, line.method, line.subject], ['denied', 'answer', 'alice']);
    }

    it('a late answer with a valid seal (the call was answered already) sent to either replica: 403 Forbidden and audited', async () => {
      const headers = await openSession(fleet.url, auth(alice), { elicitation: {} });
      const call = await startWaitingCall(fleet.url, headers, 'test_elicitation', { message: 'm' });
      const answer = { jsonrpc: '2.0', id: call.request.id, result: { action: 'decline' } };
      assert.equal((await post(fleet.urls.at(-1) as string, answer, headers)).status, 202);
      await call.ended;
      assert.deepEqual(call.messages.find((m) => m.id === 7)?.result, {
        content: [{ type: 'text', text: 'User response: action=decline, content={}' }],
      });
      await assertRefusedEverywhere(answer, headers);
    });

    it('an answer with a valid seal naming a replica that does not exist: 403 Forbidden and audited, on either replica', async () => {
      const headers = await openSession(fleet.url, auth(alice), { elicitation: {} });
      const call = await startWaitingCall(fleet.url, headers, 'test_elicitation', { message: 'm' });
      // The seal binds the nonce to the session and caller, not to a replica: it stays valid.
      const elsewhere = call.request.id.replace(/^s:[^:]+:/, 's:nosuchreplica:');
      await assertRefusedEverywhere(
        { jsonrpc: '2.0', id: elsewhere, result: { action: 'decline' } },
        headers,
      );
      const answer = { jsonrpc: '2.0', id: call.request.id, result: { action: 'decline' } };
      assert.equal((await post(fleet.url, answer, headers)).status, 202);
      await call.ended;
    });

    const attackers = [
      { who: 'another session of the same caller', key: alice, subject: 'alice' },
      { who: 'another caller', key: mallory, subject: 'mallory' },
    ];
    for (const edge of EDGES) {
      for (const attacker of attackers) {
        it(`${attacker.who} answers A's elicitation over ${edge}: refused as Forbidden, audited, and A's call gets A's own answer`, async () => {
          const a = await victim(edge, addresses(0), auth(alice));
          try {
            const requestId = await a.requestId;
            assert.ok(
              !/^s:[^:]+:\d+$/.test(requestId),
              `the request id ${requestId} is not a counter anyone could guess`,
            );
            const refusal = await forgeAnswer(
              edge,
              addresses(fleet.urls.length - 1),
              auth(attacker.key),
              requestId,
            );
            assert.equal(refusal.code, FORBIDDEN, JSON.stringify(refusal));
            assert.match(refusal.message, /^Forbidden: .*not sent to this session/);
            if (refusal.httpStatus !== undefined) assert.equal(refusal.httpStatus, 403);
            const line = await auditLine(join(fleet.dir, 'audit.log'), (l) => l.target === requestId);
            assert.equal(line.outcome, 'denied');
            assert.equal(line.method, 'answer');
            assert.equal(line.subject, attacker.subject);
            a.release();
            assert.deepEqual(await a.result, {
              content: [
                {
                  type: 'text',
                  text: `User response: action=accept, content=${JSON.stringify(OWN_ANSWER)}`,
                },
              ],
            });
          } finally {
            a.release();
            await a.client.close();
          }
        });
      }
    }
  });
}
