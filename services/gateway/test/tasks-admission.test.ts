import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { generateApiKey } from '../src/auth/api-keys.js';
import { redisUrl } from './redis-support.js';
import { type Fleet, startFleet } from './support.js';
import { resultOf, send, waitForStatus } from './task-client.js';

const ALLOW = `roles:
  caller: { tools: { allow: ["*"] } }
  slow: { tools: { allow: ["*"] }, rateLimit: { perSecond: 0.01, burst: 3 } }
`;
const REVOKED = `roles:
  caller: { tools: { deny: ["*"] } }
  slow: { tools: { allow: ["*"] }, rateLimit: { perSecond: 0.01, burst: 3 } }
`;

describe('tasks/* are admitted as their caller (attack 19 hole 3)', () => {
  const keys = { alice: generateApiKey('alice'), carol: generateApiKey('carol') };
  const as = (who: keyof typeof keys) => ({ authorization: `Bearer ${keys[who].key}` });
  let fleet: Fleet;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-task-admission-'));
    await writeFile(
      join(dir, 'auth.yaml'),
      [
        'apiKeys:',
        `  - { id: alice, hash: "${keys.alice.hash}", subject: alice, roles: [caller] }`,
        `  - { id: carol, hash: "${keys.carol.hash}", subject: carol, roles: [slow] }`,
      ].join('\n'),
    );
    await writeFile(join(dir, 'policy.yaml'), ALLOW);
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }], {
      REDIS_URL: redisUrl(),
      MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
      MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
      MCPFLEET_TASK_POLL_INTERVAL: '250ms',
    });
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('tasks/update of a caller whose policy was revoked is Forbidden and the task does not run on', async () => {
    const created = await resultOf(
      send(
        fleet.url,
        'tools/call',
        { name: 'confirm_delete', arguments: { filename: 'prod.db' } },
        { headers: as('alice') },
      ),
    );
    const taskId = String(created.taskId);
    const asking = await waitForStatus(fleet.url, taskId, ['input_required'], as('alice'));
    const [key] = Object.keys(asking.inputRequests as object);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(join(dir, 'policy.yaml'), REVOKED);
    assert.equal(await fleet.gateway.policy.reload(), true);
    const update = await send(
      fleet.url,
      'tasks/update',
      { taskId, inputResponses: { [key as string]: { action: 'accept', content: { confirm: true } } } },
      { headers: as('alice') },
    );
    assert.equal(update.error?.code, ErrorCode.Forbidden, JSON.stringify(update));
    const task = await resultOf(send(fleet.url, 'tasks/get', { taskId }, { headers: as('alice') }));
    assert.equal(task.status, 'input_required');
    await resultOf(send(fleet.url, 'tasks/cancel', { taskId }, { headers: as('alice') }));
  });

  it('tasks/get and tasks/cancel spend the caller rate limit', async () => {
    const created = await resultOf(
      send(
        fleet.url,
        'tools/call',
        { name: 'confirm_delete', arguments: { filename: 'x' } },
        { headers: as('carol') },
      ),
    );
    const taskId = String(created.taskId);
    const answers = [];
    for (let i = 0; i < 10; i++)
      answers.push(await send(fleet.url, 'tasks/get', { taskId }, { headers: as('carol') }));
    const limited = answers.filter((answer) => answer.error?.code === ErrorCode.RateLimited);
    assert.ok(limited.length >= 7, `only ${limited.length} of 10 tasks/get were rate-limited`);
    const cancel = await send(fleet.url, 'tasks/cancel', { taskId }, { headers: as('carol') });
    assert.equal(cancel.error?.code, ErrorCode.RateLimited);
  });
});
