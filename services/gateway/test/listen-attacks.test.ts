import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions, WATCHED_RESOURCE } from '@mcp-fleet/provider-everything';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { generateApiKey } from '../src/auth/api-keys.js';
import { transportForEdge } from './edge-clients.js';
import { openListen } from './listen-support.js';
import { modernRequest, postModern } from './modern.js';
import { type Fleet, startFleet } from './support.js';

const POLICY = `roles:
  reader:
    tools: { allow: ["*"] }
    resources: { allow: ["*"] }
    prompts: { allow: ["*"] }
  resonly:
    resources: { allow: ["test://*"] }
  slow:
    resources: { allow: ["*"] }
    rateLimit: { perSecond: 0.01, burst: 2 }
  counted:
    tools: { allow: ["echo"] }
    resources: { allow: ["*"] }
    quota: { perHour: 1 }
  nobody: {}
`;

const REVOKED = POLICY.replace('resonly:\n    resources: { allow: ["test://*"] }', 'resonly: {}');

const callers = {
  alice: 'reader',
  bob: 'reader',
  carol: 'nobody',
  dana: 'resonly',
  dave: 'slow',
  erin: 'counted',
} as const;
type Name = keyof typeof callers;

/** On a gateway without these defences a refusal never comes: the stream stays open. */
const BOUNDED = { timeout: 15_000 };

describe('subscriptions/listen admission and bounds (attacks on the 2026-07-28 path)', () => {
  const keys = Object.fromEntries(Object.keys(callers).map((name) => [name, generateApiKey(name)])) as Record<
    Name,
    ReturnType<typeof generateApiKey>
  >;
  const as = (name: Name) => ({ authorization: `Bearer ${keys[name].key}` });
  let fleet: Fleet;
  let dir: string;
  let policyFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-listen-attacks-'));
    const authFile = join(dir, 'auth.yaml');
    policyFile = join(dir, 'policy.yaml');
    const entries = Object.entries(callers).map(
      ([name, role]) =>
        `  - { id: ${name}, hash: "${keys[name as Name].hash}", subject: ${name}, roles: [${role}] }`,
    );
    await writeFile(authFile, `apiKeys:\n${entries.join('\n')}\n`);
    await writeFile(policyFile, POLICY);
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }], {
      MCPFLEET_AUTH_FILE: authFile,
      MCPFLEET_POLICY_FILE: policyFile,
      MCPFLEET_MAX_LISTEN_STREAMS: '4',
      MCPFLEET_MAX_LISTEN_STREAMS_PER_CALLER: '2',
    });
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const listenBody = (id: number | string, notifications: Record<string, unknown>) =>
    modernRequest(id, 'subscriptions/listen', { notifications });
  const refusal = async (name: Name, notifications: Record<string, unknown>) => {
    const { status, json } = await postModern(fleet.url, listenBody('r', notifications), as(name));
    return { status, error: json?.error as { code: number; message: string } };
  };

  it(
    'refuses a caller who may see nothing of what it asks for (Forbidden), and holds no stream for it',
    BOUNDED,
    async () => {
      const { error } = await refusal('carol', { toolsListChanged: true, resourceSubscriptions: ['a://x'] });
      assert.equal(error.code, ErrorCode.Forbidden);
      assert.match(
        error.message,
        /no policy rule lets you see any of what this subscriptions\/listen asks for/,
      );
      assert.equal(fleet.gateway.listen.count, 0);
    },
  );

  it('announces list changes only of the kinds the caller may see', BOUNDED, async () => {
    const listen = await openListen(
      fleet.url,
      'd',
      { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true },
      {},
      as('dana'),
    );
    try {
      const ack = await listen.next('notifications/subscriptions/acknowledged');
      assert.deepEqual((ack.params as Record<string, unknown>).notifications, { resourcesListChanged: true });
    } finally {
      listen.close();
      await waitFor(() => fleet.gateway.listen.count === 0, 'the stream let go');
    }
  });

  it(
    'caps the streams of one caller below the replica total: another caller still gets one',
    BOUNDED,
    async () => {
      const mine = await Promise.all(
        [1, 2].map((id) => openListen(fleet.url, id, { toolsListChanged: true }, {}, as('alice'))),
      );
      try {
        for (const l of mine) await l.next('notifications/subscriptions/acknowledged');
        const { status, error } = await refusal('alice', { toolsListChanged: true });
        assert.equal(status, 429);
        assert.equal(error.code, ErrorCode.RateLimited);
        assert.match(error.message, /at most 2 .*MCPFLEET_MAX_LISTEN_STREAMS_PER_CALLER/);
        const theirs = await openListen(fleet.url, 3, { toolsListChanged: true }, {}, as('bob'));
        await theirs.next('notifications/subscriptions/acknowledged');
        theirs.close();
      } finally {
        for (const l of mine) l.close();
        await waitFor(() => fleet.gateway.listen.count === 0, 'the streams let go');
      }
    },
  );

  it(
    'spends the caller rate limit: opening streams faster than it allows is refused with 429',
    BOUNDED,
    async () => {
      const opened = [];
      for (const id of [1, 2]) {
        const l = await openListen(fleet.url, id, { resourcesListChanged: true }, {}, as('dave'));
        await l.next('notifications/subscriptions/acknowledged');
        l.close();
        opened.push(l);
      }
      const { status, error } = await refusal('dave', { resourcesListChanged: true });
      assert.equal(status, 429);
      assert.equal(error.code, ErrorCode.RateLimited);
      assert.match(error.message, /Rate limit exceeded/);
      await waitFor(() => fleet.gateway.listen.count === 0, 'the streams let go');
    },
  );

  it(
    'spends no quota, which counts calls: the one call the quota allows still goes through',
    BOUNDED,
    async () => {
      for (const id of [1, 2]) {
        const l = await openListen(fleet.url, id, { resourcesListChanged: true }, {}, as('erin'));
        await l.next('notifications/subscriptions/acknowledged');
        l.close();
      }
      const call = (id: number) =>
        postModern(
          fleet.url,
          modernRequest(id, 'tools/call', { name: 'echo', arguments: { text: 'hi' } }),
          as('erin'),
        );
      const first = await call(3);
      assert.equal(first.json?.error, undefined, JSON.stringify(first.json?.error));
      const second = await call(4);
      assert.equal((second.json?.error as { code: number }).code, ErrorCode.QuotaExceeded);
      await waitFor(() => fleet.gateway.listen.count === 0, 'the streams let go');
    },
  );

  it(
    'bounds the resource subscriptions of a filter: too many URIs, or one too long, is -32602',
    BOUNDED,
    async () => {
      const many = Array.from({ length: 1001 }, (_, i) => `test://many/${i}`);
      const tooMany = await refusal('alice', { resourceSubscriptions: many });
      assert.equal(tooMany.error.code, ErrorCode.InvalidParams);
      assert.match(tooMany.error.message, /at most 1000/);
      const long = await refusal('alice', { resourceSubscriptions: [`test://${'x'.repeat(2048)}`] });
      assert.equal(long.error.code, ErrorCode.InvalidParams);
      assert.match(long.error.message, /at most 1024 characters/);
      assert.equal(fleet.gateway.listen.count, 0);
    },
  );

  it(
    'refuses a filter that asks for nothing (-32602), to any caller, and holds no stream for it',
    BOUNDED,
    async () => {
      for (const [name, notifications] of [
        ['carol', {}],
        ['alice', {}],
        ['alice', { toolsListChanged: false, resourceSubscriptions: [] }],
      ] as const) {
        const { error } = await refusal(name, notifications);
        assert.equal(error?.code, ErrorCode.InvalidParams, `${name} ${JSON.stringify(notifications)}`);
        assert.match(error.message, /asks for nothing/);
      }
      assert.equal(fleet.gateway.listen.count, 0);
    },
  );

  it(
    'refuses listen params other than notifications and _meta, and params over 64 KiB (-32602)',
    BOUNDED,
    async () => {
      const padded = modernRequest('p', 'subscriptions/listen', {
        notifications: { toolsListChanged: true },
        pad: 'x'.repeat(1024),
      });
      const extra = (await postModern(fleet.url, padded, as('carol'))).json?.error as {
        code: number;
        message: string;
      };
      assert.equal(extra?.code, ErrorCode.InvalidParams);
      assert.match(extra.message, /pad/);
      const longUris = Array.from({ length: 1000 }, (_, i) => `test://long/${i}/${'u'.repeat(100)}`);
      const big = await refusal('alice', { resourceSubscriptions: longUris });
      assert.equal(big.error?.code, ErrorCode.InvalidParams);
      assert.match(big.error.message, /64 KiB/);
      assert.equal(fleet.gateway.listen.count, 0);
    },
  );

  it(
    'stops resource updates to a stream whose caller lost the right to read the resource',
    BOUNDED,
    async () => {
      const listen = await openListen(
        fleet.url,
        'w',
        { resourceSubscriptions: [WATCHED_RESOURCE] },
        {},
        as('dana'),
      );
      const provider = fleet.providers.get('everything');
      const updates = () =>
        listen.messages.filter((m) => m.method === 'notifications/resources/updated').length;
      try {
        await listen.next('notifications/subscriptions/acknowledged');
        provider?.resourceUpdated(WATCHED_RESOURCE);
        await waitFor(() => updates() === 1, 'the first update');
        await writeFile(policyFile, REVOKED);
        assert.equal(await fleet.gateway.policy.reload(), true);
        provider?.resourceUpdated(WATCHED_RESOURCE);
        await sleep(300);
        assert.equal(updates(), 1);
      } finally {
        listen.close();
        await writeFile(policyFile, POLICY);
        await fleet.gateway.policy.reload();
        await waitFor(() => fleet.gateway.listen.count === 0, 'the stream let go');
      }
    },
  );

  for (const edge of ['websocket', 'grpc'] as const) {
    it(
      `${edge}: a request id reused while in flight is refused, and closing the channel ends every stream`,
      BOUNDED,
      async () => {
        const http = fleet.url.replace(/\/mcp$/, '');
        const transport = transportForEdge(
          edge,
          { http, grpc: `127.0.0.1:${fleet.gateway.grpcPort}` },
          as('alice'),
        );
        const messages: Record<string, unknown>[] = [];
        transport.onmessage = (message) => messages.push(message as Record<string, unknown>);
        await transport.start();
        const frame = listenBody(1, { toolsListChanged: true }) as Parameters<typeof transport.send>[0];
        await transport.send(frame);
        await transport.send(frame);
        await waitFor(() => messages.some((m) => m.id === 1 && m.error), 'the refusal of the reused id');
        const refused = messages.find((m) => m.id === 1 && m.error)?.error as {
          code: number;
          message: string;
        };
        assert.equal(refused.code, ErrorCode.InvalidRequest);
        assert.match(refused.message, /already in flight/);
        assert.equal(fleet.gateway.listen.count, 1);
        await transport.close();
        await waitFor(() => fleet.gateway.listen.count === 0, `the ${edge} channel's streams ended`);
      },
    );
  }
});
